import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { NextTokenComparison, TokenPair } from '../../inspect/next-token-compare.ts';
import { formatPercent, visibleToken } from '../format.ts';
import { sharedStyles } from '../shared-styles.ts';

/**
 * The next token with and without an intervention, side by side: each model's top tokens as
 * bars of their probability (the model's own, temperature 1), each token's probability under
 * the other model beside it, and KL(original ‖ intervened). Token text is model output:
 * rendered as text.
 */
@customElement('next-token-compare')
export class NextTokenCompareView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .cols {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
        gap: 1rem;
      }
      h3 {
        font-size: 0.8125rem;
        margin: 0 0 0.4rem;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 2px;
      }
      li {
        display: grid;
        grid-template-columns: 6rem 1fr 3.4rem 4.6rem;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.8125rem;
        min-height: 1.5rem;
      }
      .tok {
        font-family: var(--font-mono);
        white-space: pre;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .track {
        height: 0.55rem;
        border-radius: 999px;
        background: var(--surface-2);
        overflow: hidden;
      }
      .bar {
        display: block;
        height: 100%;
        min-width: 2px;
        border-radius: inherit;
        background: var(--accent);
      }
      .intervened .bar {
        background: var(--p-edge-4);
      }
      .num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .other {
        font-size: 0.75rem;
        white-space: nowrap;
      }
      .kl {
        margin: 0.6rem 0 0;
        font-size: 0.875rem;
      }
      .kl strong {
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  @property({ attribute: false }) comparison: NextTokenComparison | null = null;
  /** What the intervention is, for the second column's title ("L0H0 zeroed"). */
  @property() label = '';
  /** Text of token ids (the tokenizer). */
  @property({ attribute: false }) decode: ((ids: readonly number[]) => string) | null = null;

  override render() {
    const c = this.comparison;
    if (!c) return nothing;
    const scale = Math.max(
      1e-9,
      ...c.original.map((t) => t.original),
      ...c.intervened.map((t) => t.intervened),
    );
    return html`<div class="cols">
        ${this.column('original', 'Original model', c.original, scale)}
        ${this.column('intervened', `With ${this.label}`, c.intervened, scale)}
      </div>
      <p class="kl" data-testid="kl-divergence">
        KL(original ‖ intervened) = <strong>${formatKl(c.kl)}</strong> nats
        <span class="muted"
          >(0: the intervention does not change the next token's distribution)</span
        >
      </p>`;
  }

  private column(side: 'original' | 'intervened', title: string, rows: TokenPair[], scale: number) {
    const other = side === 'original' ? 'intervened' : 'original';
    return html`<div class=${side} data-testid=${`next-${side}`}>
      <h3>${title}</h3>
      <ol aria-label=${`${title}: the likeliest next tokens`}>
        ${rows.map((t) => {
          const text = visibleToken(this.decode?.([t.id]) ?? `#${t.id}`);
          return html`<li
            data-id=${t.id}
            data-prob=${t[side]}
            title=${`id ${t.id} · original ${formatPercent(t.original)} · intervened ${formatPercent(t.intervened)}`}
          >
            <span class="tok">${text}</span>
            <span class="track" aria-hidden="true"
              ><span class="bar" style="width:${((t[side] / scale) * 100).toFixed(2)}%"></span
            ></span>
            <span class="num">${formatPercent(t[side])}</span>
            <span class="num other muted" aria-label=${`${other} ${formatPercent(t[other])}`}
              >${other === 'original' ? 'was' : 'now'} ${formatPercent(t[other])}</span
            >
          </li>`;
        })}
      </ol>
    </div>`;
  }
}

/** 0.000123 -> "1.23e-4"; 0.5 -> "0.500". */
export function formatKl(kl: number): string {
  if (kl === 0) return '0';
  return kl < 0.001 ? kl.toExponential(2) : kl.toFixed(3);
}

declare global {
  interface HTMLElementTagNameMap {
    'next-token-compare': NextTokenCompareView;
  }
}

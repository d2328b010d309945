import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { LogitAttribution } from '../../inspect/logit-attribution.ts';
import { Gpt2Tokenizer } from '../../tokenizer/gpt2-tokenizer.ts';
import type { Alternative } from '../app-state.ts';
import { describeError, visibleToken } from '../format.ts';
import { sharedStyles } from '../shared-styles.ts';
import { downloadBlob } from '../inspector/png-export.ts';
import { divergingCss } from './diverging.ts';
import './effect-heatmap.ts';
import { formatValue } from './effect-heatmap.ts';

/** Where the view's numbers come from (the EngineController; null while tokens stream). */
export interface AttributionSource {
  /** DLA of `tokenId`'s logit after `ids` (the last position), on the intervened model. */
  attribute(ids: readonly number[], tokenId: number): Promise<LogitAttribution | null>;
}

/** Bars shown: the components with the largest |contribution|. */
const BARS = 12;

/**
 * Direct logit attribution: which heads and MLPs push a token up or down at a position. The
 * logit of the chosen token after the text up to the chosen position is split into the
 * contributions of the embeddings, every head, every attention bias and every MLP (through
 * ln_f with its scale frozen), which with ln_f's bias β add up to the logit exactly. Bars of
 * the largest ones, and every head's as a layer x head heatmap.
 */
@customElement('dla-view')
export class DlaView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      section {
        padding: 1.1rem 1.25rem 1.25rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 0.75rem;
        margin-bottom: 0.6rem;
      }
      label.field {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        font-size: 0.8125rem;
      }
      input[type='text'] {
        width: 9rem;
        font-family: var(--font-mono);
      }
      .position {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
      }
      .position input {
        width: 5.5rem;
      }
      .alts {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem;
      }
      .alts button {
        font-family: var(--font-mono);
      }
      .problem {
        color: var(--danger);
        font-size: 0.8125rem;
      }
      .sum {
        font-size: 0.875rem;
        font-variant-numeric: tabular-nums;
      }
      ol {
        list-style: none;
        margin: 0.5rem 0 1rem;
        padding: 0;
        display: grid;
        gap: 2px;
      }
      li {
        display: grid;
        grid-template-columns: 7rem 1fr 1fr 4.5rem;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.8125rem;
        min-height: 1.4rem;
      }
      .name {
        font-family: var(--font-mono);
      }
      .neg,
      .pos {
        height: 0.7rem;
        display: flex;
      }
      .neg {
        justify-content: flex-end;
        border-right: 1px solid var(--border);
      }
      .bar {
        height: 100%;
        border-radius: 2px;
        min-width: 1px;
      }
      .num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      h3 {
        font-size: 0.875rem;
        margin: 0.8rem 0 0.4rem;
      }
    `,
  ];

  @property({ attribute: false }) source: AttributionSource | null = null;
  /** The text on screen as ids (prompt, then output). */
  @property({ attribute: false }) contextIds: readonly number[] = [];
  /** The alternatives of each output token (index i: the token at position firstOutput + i). */
  @property({ attribute: false }) alternatives: readonly (readonly Alternative[])[] = [];
  @property({ type: Number }) firstOutput = 0;
  /** A token selected in the inspector (a context position), or null. */
  @property({ attribute: false }) selectedPosition: number | null = null;
  @property({ type: Number }) nLayer = 0;
  @property({ type: Number }) nHead = 0;
  @property({ type: Boolean }) generating = false;

  @state() private position = 0;
  @state() private tokenText = '';
  @state() private result: LogitAttribution | null = null;
  @state() private busy = false;
  @state() private error = '';

  private readonly tokenizer = new Gpt2Tokenizer();

  /** The attribution on screen (read-only; tests read it). */
  get currentAttribution(): LogitAttribution | null {
    return this.result;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const n = this.contextIds.length;
    if (changed.has('selectedPosition') && this.selectedPosition !== null) {
      this.pick(Math.min(this.selectedPosition, n - 1));
    } else if (changed.has('contextIds')) {
      // By default: the position before the last token, attributing the last token itself.
      this.pick(Math.max(0, n - 2));
    }
  }

  private pick(position: number): void {
    this.position = Math.max(0, position);
    const next = this.contextIds[this.position + 1];
    this.tokenText = next === undefined ? '' : this.tokenizer.decode([next]);
  }

  /**
   * A position typed (or stepped): a number box rather than a list of every token, which at
   * 1,024 tokens cost 100 ms to build each time a run ended. Out of range is clamped.
   */
  private onPositionInput(input: HTMLInputElement): void {
    const n = this.contextIds.length;
    const p = Math.round(Number(input.value));
    this.pick(Number.isFinite(p) ? Math.min(Math.max(0, p), n - 1) : this.position);
    input.value = String(this.position);
  }

  private tokenId(): { id: number | null; problem: string } {
    if (this.tokenText === '') return { id: null, problem: 'Type the token to attribute.' };
    const ids = this.tokenizer.encode(this.tokenText);
    if (ids.length !== 1) {
      return {
        id: null,
        problem: `${JSON.stringify(this.tokenText)} is ${ids.length} tokens, not one: give a single token (mind the leading space).`,
      };
    }
    return { id: ids[0], problem: '' };
  }

  private async attribute(): Promise<void> {
    const { id } = this.tokenId();
    if (id === null || !this.source || this.busy) return;
    this.busy = true;
    this.error = '';
    try {
      const r = await this.source.attribute(this.contextIds.slice(0, this.position + 1), id);
      if (r) this.result = r;
      else this.error = 'The model is busy or not loaded: try again when it is idle.';
    } catch (e) {
      this.error = describeError(e);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const n = this.contextIds.length;
    const t = this.tokenId();
    const label = (p: number) => visibleToken(this.tokenizer.decode([this.contextIds[p]]));
    const outIndex = this.position + 1 - this.firstOutput;
    const alts = outIndex >= 0 ? (this.alternatives[outIndex] ?? []) : [];
    return html`<section class="panel card" aria-label="Direct logit attribution">
      <h2>Direct logit attribution</h2>
      <p class="muted" style="font-size:0.8125rem;margin:0 0 0.75rem">
        Which heads and MLPs push a token up or down: the token's logit after the text up to a
        position, split into what each component adds to the residual stream (ln_f's scale held
        fixed). The parts and ln_f's bias β add up to the logit.
      </p>
      ${
        n === 0
          ? html`<p class="muted">Load a model to attribute.</p>`
          : html`<div class="row">
                <label class="field"
                  >After position
                  <span class="position"
                    ><input
                      type="number"
                      data-testid="dla-position"
                      min="0"
                      max=${n - 1}
                      step="1"
                      .value=${String(this.position)}
                      @change=${(e: Event) => this.onPositionInput(e.target as HTMLInputElement)}
                    /><span class="mono" data-testid="dla-position-token"
                      >${label(this.position)}</span
                    ></span
                  ></label
                >
                <label class="field"
                  >Token
                  <input
                    type="text"
                    data-testid="dla-token"
                    .value=${this.tokenText}
                    aria-invalid=${t.problem && this.tokenText ? 'true' : 'false'}
                    @input=${(e: Event) => (this.tokenText = (e.target as HTMLInputElement).value)}
                /></label>
                <button
                  class="primary"
                  type="button"
                  data-testid="dla-run"
                  ?disabled=${t.id === null || this.busy || this.generating || !this.source}
                  @click=${() => void this.attribute()}
                >
                  ${this.busy ? 'Attributing…' : 'Attribute'}
                </button>
              </div>
              ${t.problem && this.tokenText ? html`<p class="problem" role="alert">${t.problem}</p>` : nothing}
              ${
                alts.length
                  ? html`<div class="row">
                      <span class="muted" style="font-size:0.8125rem">Alternatives there:</span>
                      <div class="alts">
                        ${alts.map(
                          (a) =>
                            html`<button
                              class="small"
                              type="button"
                              @click=${() => (this.tokenText = a.text)}
                            >
                              ${visibleToken(a.text)}
                            </button>`,
                        )}
                      </div>
                    </div>`
                  : nothing
              }`
      }
      ${this.error ? html`<p class="problem" role="alert">${this.error}</p>` : nothing}
      ${this.result ? this.results(this.result) : nothing}
    </section>`;
  }

  private results(r: LogitAttribution) {
    const sum = r.parts.reduce((a, p) => a + p.value, 0) + r.beta;
    const top = [...r.parts].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, BARS);
    const max = Math.max(1e-9, ...top.map((p) => Math.abs(p.value)));
    const heads = Array.from({ length: this.nLayer }, (_, l) =>
      Array.from(
        { length: this.nHead },
        (_, h) => r.parts.find((p) => p.name === `L${l}H${h}`)?.value ?? null,
      ),
    );
    const token = visibleToken(this.tokenizer.decode([r.tokenId]));
    return html`<p class="sum" data-testid="dla-sum">
        Logit of <strong class="mono">${token}</strong> after position ${r.ids.length - 1}:
        <strong data-testid="dla-logit">${r.logit.toFixed(3)}</strong>
        <span class="muted">= parts ${(sum - r.beta).toFixed(3)} + β ${r.beta.toFixed(3)}</span>
      </p>
      <h3>Largest contributions</h3>
      <ol data-testid="dla-bars" aria-label="Largest contributions to the logit">
        ${top.map((p) => {
          const w = `${((Math.abs(p.value) / max) * 100).toFixed(1)}%`;
          const colour = divergingCss(p.value, max);
          return html`<li
            data-name=${p.name}
            data-value=${p.value}
            title=${`${p.name}: ${p.value}`}
          >
            <span class="name">${p.name}</span>
            <span class="neg" aria-hidden="true"
              >${p.value < 0 ? html`<span class="bar" style="width:${w};background:${colour}"></span>` : nothing}</span
            >
            <span class="pos" aria-hidden="true"
              >${p.value >= 0 ? html`<span class="bar" style="width:${w};background:${colour}"></span>` : nothing}</span
            >
            <span class="num">${formatValue(p.value)}</span>
          </li>`;
        })}
      </ol>
      <h3>Every head</h3>
      <effect-heatmap
        data-testid="dla-heads"
        label="Direct logit attribution of each layer and head"
        quantity="logit contribution"
        showValues
        .values=${heads}
        .rowLabels=${heads.map((_, l) => `L${l}`)}
        .colLabels=${Array.from({ length: this.nHead }, (_, h) => `H${h}`)}
      ></effect-heatmap>
      <button class="small" type="button" data-testid="dla-json" @click=${() => this.exportJson(r)}>
        Export JSON
      </button>`;
  }

  /** The CLI's `inspect dla --json` document. */
  private exportJson(r: LogitAttribution): void {
    const doc = {
      ids: r.ids,
      token_id: r.tokenId,
      logit: r.logit,
      beta: r.beta,
      parts: r.parts.map((p) => ({ name: p.name, value: p.value })),
    };
    downloadBlob(
      new Blob([JSON.stringify(doc, null, 2) + '\n'], { type: 'application/json' }),
      'logit-attribution.json',
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'dla-view': DlaView;
  }
}

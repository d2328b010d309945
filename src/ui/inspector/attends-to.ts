import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from '../events.ts';
import { formatPercent } from '../format.ts';
import { sharedStyles } from '../shared-styles.ts';
import { formatProb, topAttended } from './attention-data.ts';
import type { AttentionMap } from './inspector-source.ts';

/** Attended tokens listed for the selected token. */
const ATTENDS_SHOWN = 8;

/**
 * The tokens the selected token attends to most in the map on screen, each a button that
 * selects it, with a bar for its weight; a hint when no token is selected. Token text is
 * model output, rendered as text.
 *
 * @fires token-select - a listed token was chosen, or the selection cleared (null)
 */
@customElement('attends-to')
export class AttendsTo extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      h3 {
        margin: 0 0 0.5rem;
        font-size: 0.8125rem;
        font-weight: 650;
      }
      ol.attends {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.2rem;
      }
      ol.attends button {
        width: 100%;
        min-height: 1.9rem;
        justify-content: flex-start;
        gap: 0.5rem;
        padding: 0 0.5rem;
        font-weight: 450;
        font-size: 0.8125rem;
        border-color: transparent;
        background: transparent;
        position: relative;
        overflow: hidden;
      }
      ol.attends button:hover {
        border-color: var(--border);
      }
      .bar {
        position: absolute;
        inset: 0 auto 0 0;
        background: var(--accent-soft);
        z-index: 0;
      }
      ol.attends .tok,
      ol.attends .pos,
      ol.attends .pct {
        position: relative;
        z-index: 1;
      }
      .tok {
        font-family: var(--font-mono);
        white-space: pre;
        overflow: hidden;
        text-overflow: ellipsis;
        min-width: 0;
      }
      .pos {
        color: var(--text-muted);
        font-size: 0.75rem;
      }
      .pct {
        margin-left: auto;
        font-variant-numeric: tabular-nums;
      }
      .hint {
        font-size: 0.8125rem;
        color: var(--text-muted);
        margin: 0;
      }
      .tok-inline {
        font-family: var(--font-mono);
        white-space: pre;
        background: var(--surface-2);
        border-radius: 4px;
        padding: 0 0.25rem;
      }
    `,
  ];

  @property({ attribute: false }) map: AttentionMap | null = null;
  /** Visible text of each position's token. */
  @property({ attribute: false }) labels: readonly string[] = [];
  @property({ attribute: false }) selected: number | null = null;

  override render() {
    const map = this.map;
    if (!map || !map.n) return nothing;
    const row = this.selected;
    if (row === null || row >= map.n) {
      return html`<h3>Where a token looks</h3>
        <p class="hint">
          Click a row of the map (or a row label) to see where its token attends.
        </p>`;
    }
    const top = topAttended(map.probs, map.n, row, ATTENDS_SHOWN);
    return html`<h3>
        <span class="tok-inline">${this.labels[row] ?? ''}</span>
        <span class="muted">#${row}</span> attends to
      </h3>
      <ol class="attends" data-testid="attends-to">
        ${top.map(
          (c) =>
            html`<li>
              <button
                type="button"
                title=${`Select token #${c.col}; weight ${formatProb(c.p)}`}
                @click=${() => this.select(c.col)}
              >
                <span class="bar" style="width:${(c.p * 100).toFixed(1)}%"></span>
                <span class="tok">${this.labels[c.col] ?? ''}</span>
                <span class="pos">#${c.col}</span>
                <span class="pct">${formatPercent(c.p)}</span>
              </button>
            </li>`,
        )}
      </ol>
      <button class="small ghost" type="button" @click=${() => this.select(null)}>
        Clear selection
      </button>`;
  }

  private select(position: number | null): void {
    emit(this, 'token-select', { position });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'attends-to': AttendsTo;
  }
}

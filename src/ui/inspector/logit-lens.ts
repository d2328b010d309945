import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { currentTheme, palette, scalePosition } from './colour-scale.ts';
import { formatPercent } from '../format.ts';
import { sharedStyles } from '../shared-styles.ts';
import { ThemeController } from '../theme-controller.ts';
import type { LogitLensRow } from './inspector-source.ts';

/**
 * A logit-lens row as shown: the engine's row (layer 0: the embeddings alone), each
 * candidate with its text, whitespace made visible.
 */
export interface LensRow extends Omit<LogitLensRow, 'candidates'> {
  candidates: readonly (LogitLensRow['candidates'][number] & { text: string })[];
}

/**
 * The logit lens at one position: each layer's residual stream put through the final
 * layernorm and the unembedding, as if the model stopped there; a table of layers x top
 * tokens with their probabilities (the engine's exact values). The last row is the model's
 * real prediction. Cells holding that final top token are outlined, so one can see at which
 * layer the answer forms; the token that actually came next is underlined.
 */
@customElement('logit-lens')
export class LogitLens extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      .caption {
        margin: 0 0 0.6rem;
        font-size: 0.875rem;
      }
      .tok {
        font-family: var(--font-mono);
        white-space: pre;
        background: var(--surface-2);
        border-radius: 4px;
        padding: 0 0.25rem;
      }
      .scroll {
        overflow: auto;
        max-height: 30rem;
        border: 1px solid var(--border);
        border-radius: var(--radius-small);
      }
      table {
        border-collapse: separate;
        border-spacing: 0;
        width: 100%;
        font-size: 0.8125rem;
      }
      th {
        position: sticky;
        top: 0;
        z-index: 1;
        background: var(--surface);
        font-weight: 600;
        font-size: 0.6875rem;
        letter-spacing: 0.03em;
        text-transform: uppercase;
        color: var(--text-muted);
        padding: 0.4rem 0.5rem;
        text-align: left;
        border-bottom: 1px solid var(--border);
      }
      th[scope='row'] {
        position: sticky;
        left: 0;
        z-index: 0;
        text-transform: none;
        letter-spacing: 0;
        font-size: 0.75rem;
        white-space: nowrap;
        border-bottom: none;
        border-right: 1px solid var(--border);
      }
      tr.output th[scope='row'] {
        color: var(--text);
      }
      td {
        padding: 2px;
        min-width: 5.5rem;
      }
      .cell {
        display: grid;
        gap: 0.05rem;
        padding: 0.25rem 0.4rem;
        border-radius: 4px;
        line-height: 1.25;
      }
      .cell .t {
        font-family: var(--font-mono);
        white-space: pre;
        overflow: hidden;
        text-overflow: ellipsis;
        max-width: 9rem;
      }
      .cell .p {
        font-size: 0.6875rem;
        font-variant-numeric: tabular-nums;
        opacity: 0.85;
      }
      .cell.final {
        box-shadow: inset 0 0 0 2px var(--accent);
      }
      .cell.actual .t {
        text-decoration: underline;
        text-decoration-thickness: 2px;
        text-underline-offset: 2px;
      }
      .badge {
        display: inline-block;
        margin-left: 0.3rem;
        padding: 0 0.35rem;
        border-radius: 999px;
        background: var(--accent-soft);
        color: var(--text);
        font-size: 0.625rem;
        font-weight: 650;
        text-transform: uppercase;
      }
      .key {
        margin: 0.5rem 0 0;
        font-size: 0.75rem;
        color: var(--text-muted);
      }
      .key .sample {
        display: inline-block;
        width: 0.9rem;
        height: 0.7rem;
        vertical-align: -1px;
        border-radius: 3px;
        box-shadow: inset 0 0 0 2px var(--accent);
      }
      .empty {
        padding: 1rem;
        border-radius: var(--radius-small);
        background: var(--surface-2);
        color: var(--text-muted);
        font-size: 0.875rem;
      }
      .error {
        color: var(--danger);
      }
    `,
  ];

  constructor() {
    super();
    // Colours come from the palette of the page's theme: a switch repaints them.
    new ThemeController(this);
  }

  /** One row per layer, embeddings first and the real prediction last; null: none yet. */
  @property({ attribute: false }) rows: readonly LensRow[] | null = null;
  /** The position the rows are for. */
  @property({ attribute: false }) position: number | null = null;
  /** Visible text of the token at `position`. */
  @property() token = '';
  /** The token that came after `position` in the context, when there is one. */
  @property({ attribute: false }) nextId: number | null = null;
  @property({ type: Boolean }) loading = false;
  /** Why the lens could not be computed, shown instead of the table. */
  @property() error = '';

  override render() {
    if (this.error) return html`<p class="empty error" role="alert">${this.error}</p>`;
    const rows = this.rows;
    if (!rows || this.position === null) {
      return html`<p class="empty" data-testid="lens-empty">
        ${this.loading ? 'Computing the logit lens…' : 'Select a token to see the logit lens.'}
      </p>`;
    }
    const pal = palette(currentTheme());
    const last = rows.length - 1;
    const finalId = rows[last]?.candidates[0]?.id;
    const width = Math.max(0, ...rows.map((r) => r.candidates.length));
    return html`
      <p class="caption" aria-live="polite">
        What each layer would predict after <span class="tok">${this.token}</span>
        <span class="muted">#${this.position}</span>${
          this.loading ? html` <span class="muted">(updating…)</span>` : nothing
        }
      </p>
      <div class="scroll">
        <table data-testid="logit-lens">
          <caption class="visually-hidden">
            Top ${width} next-token predictions of each layer at position ${this.position}
          </caption>
          <thead>
            <tr>
              <th scope="col">Layer</th>
              ${Array.from({ length: width }, (_, k) => html`<th scope="col">Top ${k + 1}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r, i) =>
                html`<tr class=${i === last ? 'output' : ''}>
                  <th scope="row">
                    ${r.layer === 0 ? 'embeddings' : `block ${r.layer}`}${
                      i === last ? html`<span class="badge">output</span>` : nothing
                    }
                  </th>
                  ${r.candidates.map((c) => {
                    const t = scalePosition('sqrt', c.prob);
                    const classes = [
                      'cell',
                      c.id === finalId ? 'final' : '',
                      c.id === this.nextId ? 'actual' : '',
                    ].join(' ');
                    return html`<td>
                      <div
                        class=${classes}
                        style=${styleMap({ background: pal.css(t), color: pal.textOn(t) })}
                        title=${`id ${c.id}: ${formatPercent(c.prob)}`}
                      >
                        <span class="t">${c.text}</span>
                        <span class="p">${formatPercent(c.prob)}</span>
                      </div>
                    </td>`;
                  })}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="key">
        <span class="sample" aria-hidden="true"></span> the model's final top
        choice${
          this.nextId !== null ? html`; <u>underlined</u>: the token that came next` : nothing
        }.
        Layers that already rank the final choice first have "found" the answer.
      </p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'logit-lens': LogitLens;
  }
}

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { currentTheme } from '../inspector/colour-scale.ts';
import { sharedStyles } from '../shared-styles.ts';
import { divergingCss, divergingRgb, symmetricMax, textOn } from './diverging.ts';

/**
 * A heatmap of signed values (rows x columns), coloured on a diverging scale centred at 0
 * (blue below, red above, ±the largest |value|). Hovering or focusing a cell shows its value
 * in the readout; the grid is one tab stop and arrow keys move between cells. Labels may be
 * model text: rendered as text.
 */
@customElement('effect-heatmap')
export class EffectHeatmap extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      .wrap {
        overflow-x: auto;
        padding: 2px;
      }
      table {
        border-collapse: separate;
        border-spacing: 1px;
        font-size: 0.6875rem;
      }
      th {
        font-weight: 600;
        color: var(--text-muted);
        white-space: pre;
        padding: 0 0.25rem;
      }
      thead th {
        writing-mode: vertical-rl;
        transform: rotate(180deg);
        text-align: left;
        max-height: 7rem;
        overflow: hidden;
        text-overflow: ellipsis;
        font-family: var(--font-mono);
        font-weight: 500;
      }
      tbody th {
        text-align: right;
      }
      td {
        width: var(--cell, 2rem);
        height: 1.6rem;
        min-width: var(--cell, 2rem);
        text-align: center;
        font-variant-numeric: tabular-nums;
        border-radius: 2px;
        cursor: default;
      }
      td:focus-visible,
      td.current {
        outline: 2px solid var(--focus);
        outline-offset: -1px;
      }
      .readout {
        min-height: 1.3rem;
        margin: 0.3rem 0 0;
        font-size: 0.8125rem;
        font-variant-numeric: tabular-nums;
      }
      .legend {
        display: flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.6875rem;
        color: var(--text-muted);
        margin-top: 0.2rem;
      }
      .bar {
        width: 8rem;
        height: 0.55rem;
        border-radius: 2px;
        border: 1px solid var(--border);
      }
    `,
  ];

  @property({ attribute: false }) values: readonly (readonly (number | null)[])[] = [];
  @property({ attribute: false }) rowLabels: readonly string[] = [];
  @property({ attribute: false }) colLabels: readonly string[] = [];
  /** Names the grid for assistive technology and the readout ("effect"). */
  @property() label = '';
  @property() quantity = 'value';
  /** Print each value in its cell (small grids). */
  @property({ type: Boolean }) showValues = false;

  @state() private current: { r: number; c: number } | null = null;
  @state() private focusAt = { r: 0, c: 0 };

  override render() {
    const rows = this.values;
    if (!rows.length) return nothing;
    const max = symmetricMax(rows);
    const theme = currentTheme();
    const cur = this.current;
    const curValue = cur ? rows[cur.r]?.[cur.c] : undefined;
    return html`<div class="wrap">
        <table role="grid" aria-label=${this.label} @keydown=${this.onKeyDown}>
          <thead>
            <tr>
              <td></td>
              ${this.colLabels.map((l) => html`<th scope="col">${l}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (row, r) =>
                html`<tr>
                  <th scope="row">${this.rowLabels[r] ?? r}</th>
                  ${row.map((v, c) => {
                    const rgb = divergingRgb(v, max, theme);
                    const at = this.focusAt.r === r && this.focusAt.c === c;
                    return html`<td
                      role="gridcell"
                      data-row=${r}
                      data-col=${c}
                      data-value=${v === null ? 'null' : String(v)}
                      tabindex=${at ? 0 : -1}
                      class=${cur && cur.r === r && cur.c === c ? 'current' : ''}
                      aria-label=${`${this.cellName(r, c)}: ${formatValue(v)}`}
                      style=${styleMap({ background: divergingCss(v, max, theme), color: textOn(rgb) })}
                      @mouseenter=${() => (this.current = { r, c })}
                      @focus=${() => {
                        this.current = { r, c };
                        this.focusAt = { r, c };
                      }}
                    >
                      ${this.showValues && v !== null ? v.toFixed(2) : ''}
                    </td>`;
                  })}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="readout" data-testid="effect-readout" aria-live="polite">
        ${
          cur && curValue !== undefined
            ? html`<strong>${this.cellName(cur.r, cur.c)}</strong>: ${this.quantity}
                ${formatValue(curValue)}`
            : html`<span class="muted">Point at or focus a cell for its value.</span>`
        }
      </p>
      <div class="legend" aria-hidden="true">
        <span>−${max.toPrecision(3)}</span>
        <span
          class="bar"
          style=${styleMap({
            background: `linear-gradient(to right, ${divergingCss(-max, max, theme)}, ${divergingCss(0, max, theme)}, ${divergingCss(max, max, theme)})`,
          })}
        ></span>
        <span>+${max.toPrecision(3)}</span>
        <span>${this.quantity}, 0 at the centre</span>
      </div>`;
  }

  private cellName(r: number, c: number): string {
    return `${this.rowLabels[r] ?? r} · ${this.colLabels[c] ?? c}`;
  }

  private onKeyDown = (e: KeyboardEvent): void => {
    const rows = this.values.length;
    const cols = this.values[0]?.length ?? 0;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
    };
    const m = moves[e.key];
    if (!m || !rows || !cols) return;
    e.preventDefault();
    const r = Math.max(0, Math.min(rows - 1, this.focusAt.r + m[0]));
    const c = Math.max(0, Math.min(cols - 1, this.focusAt.c + m[1]));
    this.focusAt = { r, c };
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`td[data-row="${r}"][data-col="${c}"]`)?.focus(),
    );
  };
}

export function formatValue(v: number | null): string {
  if (v === null) return 'undefined';
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'effect-heatmap': EffectHeatmap;
  }
}

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { OutputToken } from './app-state.ts';
import { formatNumber, formatPercent, visibleToken } from './format.ts';
import { sharedStyles } from './shared-styles.ts';

/** Candidates drawn in the chart. */
const ROWS = 8;

/**
 * How temperature reshaped the last step's distribution: the top candidates' probabilities
 * at T = 1 (the model's own) beside those at the temperature the step used, and which ones
 * top-k / top-p then removed.
 */
@customElement('temperature-chart')
export class TemperatureChart extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .keys {
        display: flex;
        gap: 1rem;
        font-size: 0.75rem;
        color: var(--text-muted);
        margin-bottom: 0.6rem;
      }
      .key {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
      }
      .sw {
        width: 0.8rem;
        height: 0.5rem;
        border-radius: 2px;
      }
      .t1 {
        background: var(--bar-muted);
      }
      .tx {
        background: var(--accent);
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.45rem;
      }
      li {
        display: grid;
        grid-template-columns: 5rem 1fr 3.2rem;
        gap: 0.5rem;
        align-items: center;
        font-size: 0.75rem;
      }
      .tok {
        font-family: var(--font-mono);
        white-space: pre;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .chosen .tok {
        font-weight: 700;
      }
      .bars {
        display: grid;
        gap: 2px;
      }
      .bar {
        height: 0.4rem;
        border-radius: 999px;
        min-width: 1px;
      }
      .num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .cut .num {
        color: var(--text-muted);
        text-decoration: line-through;
      }
      .empty,
      .note {
        font-size: 0.8125rem;
        color: var(--text-muted);
        margin: 0;
      }
      .note {
        margin-top: 0.6rem;
        font-size: 0.75rem;
      }
    `,
  ];

  /** The last generated token (its step's candidates). */
  @property({ attribute: false }) token: OutputToken | null = null;
  /** The temperature set now (may differ from the one the last step used). */
  @property({ type: Number }) temperature = 1;

  override render() {
    const t = this.token;
    const heading = html`<h2>Temperature at work</h2>`;
    if (!t) {
      return html`${heading}
        <p class="empty">
          Generate a few tokens to see how the temperature reshapes each step's distribution.
        </p>`;
    }
    const T = t.settings.temperature;
    const rows = t.alternatives.filter((a) => Number.isFinite(a.modelProb)).slice(0, ROWS);
    const scale = Math.max(...rows.map((a) => Math.max(a.modelProb, a.probBeforeFilter)), 1e-9);
    const tLabel = T === 0 ? 'T = 0 (greedy)' : `T = ${formatNumber(T, 3)}`;
    return html`${heading}
      <div class="keys" aria-hidden="true">
        <span class="key"><span class="sw t1"></span>T = 1 (the model)</span>
        <span class="key"><span class="sw tx"></span>${tLabel}</span>
      </div>
      <ol aria-label="Last step: probabilities at T = 1 and at ${tLabel}" data-testid="temp-chart">
        ${rows.map(
          (a) =>
            html`<li
              class="${a.id === t.id ? 'chosen' : ''} ${a.prob === 0 ? 'cut' : ''}"
              title="model ${formatPercent(a.modelProb)} · at ${tLabel} ${formatPercent(
                a.probBeforeFilter,
              )} · after top-k/top-p ${formatPercent(a.prob)}"
            >
              <span class="tok">${visibleToken(a.text)}</span>
              <span class="bars" aria-hidden="true">
                <span class="bar t1" style="width:${(100 * a.modelProb) / scale}%"></span>
                <span class="bar tx" style="width:${(100 * a.probBeforeFilter) / scale}%"></span>
              </span>
              <span class="num"
                >${formatPercent(a.probBeforeFilter)}<span class="visually-hidden">
                  at ${tLabel}, ${formatPercent(a.modelProb)} at T =
                  1${a.prob === 0 ? ', removed by top-k or top-p' : ''}</span
                ></span
              >
            </li>`,
        )}
      </ol>
      <p class="note">
        Last step (token ${t.text ? `“${visibleToken(t.text)}”` : ''}). Struck-through numbers were
        removed by top-k or top-p.
        ${
          this.temperature !== T
            ? html`<br />Your new temperature (${formatNumber(this.temperature, 3)}) applies from
                the next token.`
            : nothing
        }
      </p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'temperature-chart': TemperatureChart;
  }
}

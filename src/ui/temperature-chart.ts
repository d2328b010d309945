import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SamplingSettings } from '../generation/sampling-settings.ts';
import { stepWhatIf } from '../generation/step-what-if.ts';
import type { OutputToken } from './app-state.ts';
import { formatNumber, formatPercent, visibleToken } from './format.ts';
import { sharedStyles } from './shared-styles.ts';

/** Candidates drawn in the chart. */
const ROWS = 8;

/**
 * How temperature reshapes the last step's distribution: the top candidates' probabilities
 * at T = 1 (the model's own) beside those at the temperature set now, each column labelled,
 * and which ones top-k / top-p would remove. A new temperature is previewed on the last step
 * at once (the step is not drawn again); it applies from the next token.
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
      li,
      .cols {
        display: grid;
        grid-template-columns: 4.5rem 1fr 2.9rem 2.9rem;
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
      .num.model {
        color: var(--text-muted);
      }
      .cols {
        font-size: 0.6875rem;
        color: var(--text-muted);
        margin-bottom: 0.3rem;
      }
      .cols span {
        text-align: right;
        white-space: nowrap;
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
  /** The settings now (may differ from those the last step used): previewed on its step. */
  @property({ attribute: false }) settings: SamplingSettings | null = null;

  override render() {
    const t = this.token;
    const heading = html`<h2>Temperature at work</h2>`;
    if (!t || !t.candidates.length) {
      return html`${heading}
        <p class="empty">
          Generate a few tokens to see how the temperature reshapes each step's distribution.
        </p>`;
    }
    const drawnT = t.settings.temperature;
    const s = this.settings ?? t.settings;
    // The last step's candidates under the settings set now: a preview, nothing is resampled.
    const w = stepWhatIf(t.candidates, t.id, s);
    const rows = w.rows.slice(0, ROWS);
    const scale = Math.max(...rows.map((r) => Math.max(r.modelProb, r.tempProb)), 1e-9);
    const T = s.temperature;
    const tLabel = T === 0 ? 'T = 0 (greedy)' : `T = ${formatNumber(T, 3)}`;
    // The rows are among the alternatives kept with their text (ROWS <= ALTERNATIVES_SHOWN).
    const text = (id: number) => t.alternatives.find((a) => a.id === id)?.text ?? `#${id}`;
    return html`${heading}
      <div class="keys" aria-hidden="true">
        <span class="key"><span class="sw t1"></span>T = 1 (the model)</span>
        <span class="key"><span class="sw tx"></span>${tLabel}</span>
      </div>
      <div class="cols" aria-hidden="true">
        <span></span><span></span><span>T = 1</span
        ><span data-testid="temp-chart-t">${T === 0 ? 'T = 0' : tLabel}</span>
      </div>
      <ol aria-label="Last step: probabilities at T = 1 and at ${tLabel}" data-testid="temp-chart">
        ${rows.map(
          (r) =>
            html`<li
              class="${r.id === t.id ? 'chosen' : ''} ${r.kept ? '' : 'cut'}"
              title="model ${formatPercent(r.modelProb)} · at ${tLabel} ${formatPercent(
                r.tempProb,
              )} · after top-k/top-p ${formatPercent(r.finalProb)}"
            >
              <span class="tok">${visibleToken(text(r.id))}</span>
              <span class="bars" aria-hidden="true">
                <span class="bar t1" style="width:${(100 * r.modelProb) / scale}%"></span>
                <span class="bar tx" style="width:${(100 * r.tempProb) / scale}%"></span>
              </span>
              <span class="num model">${formatPercent(r.modelProb)}</span>
              <span class="num"
                >${formatPercent(r.tempProb)}<span class="visually-hidden">
                  at ${tLabel}, ${formatPercent(r.modelProb)} at T =
                  1${r.kept ? '' : ', removed by top-k or top-p'}</span
                ></span
              >
            </li>`,
        )}
      </ol>
      <p class="note" data-testid="temp-chart-note">
        Last step (token ${t.text ? `“${visibleToken(t.text)}”` : ''}), over its ${w.rows.length}
        candidates. Struck-through: removed by top-k or top-p.
        ${
          T !== drawnT
            ? html`<br />Previewing your new temperature; the step was drawn at
                ${drawnT === 0 ? 'T = 0 (greedy)' : `T = ${formatNumber(drawnT, 3)}`}, and the new
                one applies from the next token.`
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

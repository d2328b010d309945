import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { OutputToken } from './app-state.ts';
import { emit } from './events.ts';
import { describeSampling, formatPercent, probabilityBin, visibleToken } from './format.ts';
import { sharedStyles } from './shared-styles.ts';
import { describeAblation } from './interventions/ablation.ts';

/**
 * What the model weighed at one step: its top alternatives as a bar chart of their
 * probabilities after temperature, top-k and top-p, and the settings the token was drawn
 * with. Each alternative is a button that branches the text there.
 *
 * @fires token-branch - with the step index and the alternative's id
 */
@customElement('token-popover')
export class TokenPopover extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        width: min(22rem, calc(100vw - 2rem));
        font-size: 0.8125rem;
        line-height: 1.4;
      }
      .pop {
        padding: 0.75rem;
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: var(--radius);
        box-shadow: var(--shadow);
      }
      header {
        display: flex;
        align-items: baseline;
        gap: 0.5rem;
        margin-bottom: 0.15rem;
      }
      .tok {
        font-family: var(--font-mono);
        font-weight: 650;
        font-size: 0.9375rem;
        overflow-wrap: anywhere;
      }
      .p {
        margin-left: auto;
        font-variant-numeric: tabular-nums;
        font-weight: 650;
      }
      .settings {
        margin: 0 0 0.6rem;
        font-size: 0.75rem;
      }
      .caption {
        font-size: 0.6875rem;
        font-weight: 650;
        letter-spacing: 0.05em;
        text-transform: uppercase;
        color: var(--text-muted);
        margin: 0 0 0.3rem;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 2px;
      }
      .row,
      .cols {
        display: grid;
        grid-template-columns: 6rem 1fr 3.4rem 3.4rem;
        align-items: center;
        gap: 0.5rem;
        width: 100%;
        min-height: 1.75rem;
        padding: 0 0.4rem;
        border-radius: var(--radius-small);
        border: 1px solid transparent;
        background: transparent;
        font-weight: 500;
        text-align: left;
        font-size: 0.8125rem;
      }
      button.row:hover,
      button.row:focus-visible {
        background: var(--surface-2);
        border-color: var(--border);
      }
      .row.chosen {
        background: var(--accent-soft);
      }
      .alt {
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
        height: 100%;
        border-radius: inherit;
        min-width: 2px;
      }
      .num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .num.model {
        color: var(--text-muted);
      }
      .cols {
        padding: 0 0.4rem;
        font-size: 0.6875rem;
        color: var(--text-muted);
        border: 1px solid transparent;
      }
      .cols span {
        text-align: right;
      }
      .unread {
        margin: 0.6rem 0 0;
        padding: 0.4rem 0.5rem;
        border-radius: var(--radius-small);
        background: var(--surface-2);
        font-size: 0.75rem;
      }
      .filtered .num,
      .filtered .alt {
        color: var(--text-muted);
      }
      .foot {
        margin: 0.6rem 0 0;
        font-size: 0.75rem;
      }
      .bar.b0 {
        background: var(--p-edge-0);
      }
      .bar.b1 {
        background: var(--p-edge-1);
      }
      .bar.b2 {
        background: var(--p-edge-2);
      }
      .bar.b3 {
        background: var(--p-edge-3);
      }
      .bar.b4 {
        background: var(--p-edge-4);
      }
    `,
  ];

  @property({ attribute: false }) token: OutputToken | null = null;
  /** The token's index in the output. */
  @property({ type: Number }) index = 0;
  /** The model has not read this token yet (the last one generated): no attention row. */
  @property({ type: Boolean }) unread = false;

  override render() {
    const t = this.token;
    if (!t) return nothing;
    // Bars relative to the likeliest shown, so small distributions stay readable.
    const scale = Math.max(...t.alternatives.map((a) => a.prob), 1e-9);
    return html`<div class="pop" data-testid="token-popover">
      <header>
        <span class="tok">${visibleToken(t.text || this.chosenText(t))}</span>
        <span class="muted">token ${this.index + 1}${t.branched ? ' · your branch' : ''}</span>
        <span class="p" data-testid="popover-prob"
          >${formatPercent(t.prob)}<span class="muted" style="font-weight:500"
            >${this.modelNote(t)}</span
          ></span
        >
      </header>
      <p class="settings muted" data-testid="token-settings">
        Drawn with
        ${describeSampling(t.settings)}${
          t.intervention ? ` · under ${describeAblation(t.intervention)}` : ''
        }
      </p>
      <p class="caption" id="alts-caption">Alternatives</p>
      <div class="cols" aria-hidden="true">
        <span></span><span></span
        ><span title="After temperature, top-k and top-p: what the token was drawn from">drawn</span
        ><span title="The model's own probability (temperature 1, nothing cut)">model</span>
      </div>
      <ol aria-labelledby="alts-caption" data-testid="popover-alternatives">
        ${t.alternatives.map((a) => {
          const chosen = a.id === t.id;
          const filtered = a.prob === 0;
          const body = html`<span class="alt">${visibleToken(a.text)}</span>
            <span class="track" aria-hidden="true"
              ><span
                class="bar b${probabilityBin(a.prob)}"
                style="display:block;width:${((a.prob / scale) * 100).toFixed(2)}%"
              ></span
            ></span>
            <span class="num">${filtered ? 'cut' : formatPercent(a.prob)}</span>
            <span class="num model">${formatPercent(a.modelProb)}</span>`;
          const title = `id ${a.id} · model ${formatPercent(a.modelProb)} · at this temperature ${formatPercent(a.probBeforeFilter)}`;
          return html`<li>
            ${
              chosen
                ? html`<div class="row chosen" title="${title} · chosen">${body}</div>`
                : html`<button
                    class="row ${filtered ? 'filtered' : ''}"
                    title="${title} · click to branch"
                    aria-label="Branch with ${visibleToken(a.text)}, ${
                      filtered ? 'cut by the settings' : formatPercent(a.prob)
                    }, model ${formatPercent(a.modelProb)}"
                    @click=${() => emit(this, 'token-branch', { index: this.index, id: a.id })}
                  >
                    ${body}
                  </button>`
            }
          </li>`;
        })}
      </ol>
      ${
        this.unread
          ? html`<p class="unread" data-testid="popover-unread">
              Not in the attention maps yet: the model reads this token when it generates the next
              one. Step to see where it looks. (The step under the microscope shows how it was
              drawn.)
            </p>`
          : nothing
      }
      <p class="foot muted">
        Drawn: after temperature, top-k and top-p; model: its own probability. Click an alternative
        to branch: the text is cut here and goes on from
        it.${t.usedFullLogits ? ' (This step read the full logits back.)' : ''} ${pipelineNote(t)}
      </p>
    </div>`;
  }

  /** " · model 23%" beside the drawn probability, when they differ (greedy, a tight top-p). */
  private modelNote(t: OutputToken): string {
    const model = t.alternatives.find((a) => a.id === t.id)?.modelProb;
    if (model === undefined || !Number.isFinite(model)) return '';
    return formatPercent(model) === formatPercent(t.prob) ? '' : ` · model ${formatPercent(model)}`;
  }

  private chosenText(t: OutputToken): string {
    return t.alternatives.find((a) => a.id === t.id)?.text ?? '';
  }

  /** Moves focus to the first alternative (keyboard users arriving from a chip). */
  focusFirst(): void {
    this.renderRoot.querySelector<HTMLButtonElement>('button.row')?.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'token-popover': TokenPopover;
  }
}

/** Whether the GPU waited for the CPU after this token (pipelined decode), said plainly. */
function pipelineNote(t: OutputToken): string {
  if (!t.pipeline) return '';
  if (t.pipeline.ahead) {
    return 'The GPU chose it too and had started on the next token before the CPU checked it.';
  }
  return t.pipeline.note ? `The GPU waited for the CPU after it: ${t.pipeline.note}.` : '';
}

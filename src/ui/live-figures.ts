import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RunFigures } from './app-state.ts';
import { formatBytes, formatMs, formatRate } from './format.ts';
import { sharedStyles } from './shared-styles.ts';

/** The run's figures, updated with every token: latency, speed and how full the context is. */
@customElement('live-figures')
export class LiveFigures extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      dl {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.75rem;
        margin: 0;
      }
      .fig.wide {
        grid-column: 1 / -1;
      }
      .note {
        margin: 0.3rem 0 0;
        font-size: 0.75rem;
        color: var(--text-muted);
      }
      .meter {
        margin-top: 0.4rem;
        height: 0.35rem;
        border-radius: 999px;
        background: var(--border);
        overflow: hidden;
      }
      .meter span {
        display: block;
        height: 100%;
        background: var(--accent);
      }
    `,
  ];

  @property({ attribute: false }) figures: RunFigures | null = null;
  @property({ type: Number }) contextTokens = 0;
  /** The model's context window; 0 before a model is loaded. */
  @property({ type: Number }) nPositions = 0;
  /** Tokens whose keys and values are in the KV cache. */
  @property({ type: Number }) cachedLength = 0;
  /** KV cache bytes one token takes: keys and values of every layer. */
  @property({ type: Number }) kvBytesPerToken = 0;

  override render() {
    const f = this.figures;
    const fill = this.nPositions ? Math.min(1, this.contextTokens / this.nPositions) : 0;
    return html`<h2>Live figures</h2>
      <dl data-testid="figures">
        <div class="fig">
          <dt>First token</dt>
          <dd data-testid="fig-ttft">${formatMs(f?.ttftMs)}</dd>
        </div>
        <div class="fig">
          <dt>Prefill</dt>
          <dd>
            ${formatMs(f?.prefillMs)}
            <span class="sub">${f?.prefillTokens ? `${f.prefillTokens} tok` : ''}</span>
          </dd>
        </div>
        <div class="fig">
          <dt>Speed</dt>
          <dd data-testid="fig-speed">
            ${formatRate(f?.tokensPerSecond)} <span class="sub">tok/s</span>
          </dd>
        </div>
        <div class="fig">
          <dt>Per token</dt>
          <dd>${formatMs(f?.msPerToken)}</dd>
        </div>
        <div class="fig wide">
          <dt>GPU went ahead</dt>
          <dd data-testid="fig-pipeline">
            ${f?.tokens ? f.aheadTokens : '–'}
            <span class="sub">${f?.tokens ? `of ${f.tokens} tokens` : ''}</span>
          </dd>
          <p class="note">
            Pipelined decode: the GPU picks each token itself and starts the next one before the CPU
            has read it back; the CPU checks every pick. It waits when the settings need all the
            logits, and after the last token.
          </p>
        </div>
        <div class="fig wide">
          <dt>Context</dt>
          <dd data-testid="fig-context">
            ${this.contextTokens}
            <span class="sub">/ ${this.nPositions || '–'} tokens</span>
          </dd>
          <div
            class="meter"
            role="meter"
            aria-label="Context used"
            aria-valuemin="0"
            aria-valuemax=${this.nPositions || 1}
            aria-valuenow=${this.contextTokens}
          >
            <span style="width:${(fill * 100).toFixed(1)}%"></span>
          </div>
        </div>
        <div class="fig wide">
          <dt>KV cache</dt>
          <dd data-testid="fig-kv-cache">
            ${this.cachedLength}
            <span class="sub">
              tokens ·
              ${formatBytes(this.cachedLength * this.kvBytesPerToken)}${
                this.nPositions ? ` of ${formatBytes(this.nPositions * this.kvBytesPerToken)}` : ''
              }
            </span>
          </dd>
          <p class="note">
            The keys and values of every token so far, in each layer: a new token runs through the
            model alone and attends to these instead of recomputing them.
          </p>
        </div>
      </dl>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'live-figures': LiveFigures;
  }
}

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { TokenPiece } from '../tokenizer/gpt2-tokenizer.ts';
import { inlineToken } from './format.ts';
import { spokenToken } from './spoken-token.ts';
import { sharedStyles } from './shared-styles.ts';

/**
 * How the prompt splits into GPT-2 tokens: each piece in its own tint, its id on hover (or
 * under every piece with "Show ids"). Text is bound as text, never parsed as HTML.
 */
@customElement('prompt-tokens')
export class PromptTokens extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .head {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 1rem;
        margin-bottom: 0.4rem;
        font-size: 0.8125rem;
      }
      .toggle {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        cursor: pointer;
        color: var(--text-muted);
      }
      .pieces {
        font-family: var(--font-mono);
        font-size: 0.8125rem;
        line-height: 1.9;
        max-height: 9.5rem;
        overflow: auto;
        padding: 0.5rem 0.6rem;
        border-radius: var(--radius-small);
        background: var(--surface-2);
      }
      .over {
        color: var(--danger);
        font-weight: 650;
      }
      .limit-note {
        margin: 0 0 0.4rem;
        font-size: 0.8125rem;
        color: var(--danger);
      }
      /* A piece never breaks inside (" the" stays one block with its space); the line
         breaks between pieces, and only a piece wider than the box wraps within itself. */
      .piece {
        display: inline-block;
        max-width: 100%;
        white-space: pre;
        border-radius: 3px;
        padding: 0.1rem 0;
        margin-right: 1px;
        line-height: 1.5;
      }
      .piece.long {
        white-space: pre-wrap;
      }
      .piece:nth-child(5n + 1) {
        background: color-mix(in srgb, #6d8cff 22%, transparent);
      }
      .piece:nth-child(5n + 2) {
        background: color-mix(in srgb, #31c48d 22%, transparent);
      }
      .piece:nth-child(5n + 3) {
        background: color-mix(in srgb, #f5a524 24%, transparent);
      }
      .piece:nth-child(5n + 4) {
        background: color-mix(in srgb, #f05da8 20%, transparent);
      }
      .piece:nth-child(5n + 5) {
        background: color-mix(in srgb, #22b8cf 22%, transparent);
      }
      .with-ids .piece {
        display: inline-flex;
        flex-direction: column;
        align-items: center;
        vertical-align: top;
        line-height: 1.3;
        padding: 0.1rem 0.2rem;
        margin: 0 2px 4px 0;
      }
      .id {
        font-size: 0.6875rem;
        color: var(--text-muted);
      }
      .empty {
        font-family: var(--font-sans);
        color: var(--text-muted);
      }
    `,
  ];

  @property({ attribute: false }) pieces: readonly TokenPiece[] = [];
  /** The model's context window (0: no model yet): the count says how much of it is used. */
  @property({ type: Number }) limit = 0;
  @state() private showIds = false;

  override render() {
    const n = this.pieces.length;
    // A prompt of the whole window leaves no position for the token to generate.
    const over = this.limit > 0 && n >= this.limit;
    return html`<div class="head">
        <span
          class="muted ${over ? 'over' : ''}"
          data-testid="prompt-token-count"
          aria-live="polite"
          >${this.limit ? `${n} / ${this.limit} tokens` : `${n} token${n === 1 ? '' : 's'}`}</span
        >
        <label class="toggle">
          <input
            type="checkbox"
            .checked=${this.showIds}
            @change=${(e: Event) => (this.showIds = (e.target as HTMLInputElement).checked)}
          />
          Show ids
        </label>
      </div>
      ${
        over
          ? html`<p class="limit-note" data-testid="prompt-limit">
              Too long for this model: it reads at most ${this.limit} tokens, the one it generates
              included. Shorten the prompt by ${n - this.limit + 1}
              token${n - this.limit + 1 === 1 ? '' : 's'}.
            </p>`
          : nothing
      }
      <div
        class="pieces ${this.showIds ? 'with-ids' : ''}"
        data-testid="prompt-tokens"
        role="list"
        aria-label="Prompt tokens"
      >
        ${
          n === 0
            ? html`<span class="empty"
                >Empty prompt: generation starts a new document (&lt;|endoftext|&gt;).</span
              >`
            : this.pieces.map((p) => this.renderPiece(p))
        }
      </div>`;
  }

  private renderPiece(p: TokenPiece) {
    const { label, breaks } = inlineToken(p.text);
    return html`<span
        class="piece ${label.length > 24 ? 'long' : ''}"
        role="listitem"
        title="token id ${p.id}"
        aria-label="${spokenToken(p.text)}, token id ${p.id}"
        data-id=${p.id}
        >${this.showIds ? html`<span>${label}</span><span class="id">${p.id}</span>` : label}</span
      >${breaks && !this.showIds ? Array.from({ length: breaks }, () => html`<br />`) : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'prompt-tokens': PromptTokens;
  }
}

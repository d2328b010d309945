import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import type { TokenPiece } from '../tokenizer/gpt2-tokenizer.ts';
import { emit } from './events.ts';
import './prompt-tokens.ts';
import { sharedStyles } from './shared-styles.ts';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/**
 * The prompt: a text area, how it splits into tokens, and the run buttons. (The keyboard
 * shortcuts it shows, Ctrl/Cmd+Enter and Escape, are the app's: they work anywhere.)
 *
 * @fires prompt-input - on every edit, with the text
 * @fires generate-request - Generate (mode "new"), Continue (mode "continue") or Step
 *   (mode "step": one token)
 * @fires generation-stop - Stop
 * @fires output-clear - Clear
 */
@customElement('prompt-editor')
export class PromptEditor extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      label.title {
        display: block;
        font-size: 0.75rem;
        font-weight: 650;
        letter-spacing: 0.06em;
        text-transform: uppercase;
        color: var(--text-muted);
        margin-bottom: 0.5rem;
      }
      textarea {
        display: block;
        width: 100%;
        min-height: 6.5rem;
        resize: vertical;
        padding: 0.75rem 0.85rem;
        font-size: 1rem;
        line-height: 1.5;
        border-radius: var(--radius-small);
      }
      textarea:focus-visible {
        outline: 2px solid var(--focus);
        outline-offset: 0;
        border-color: transparent;
      }
      prompt-tokens {
        margin-top: 0.75rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
        margin-top: 0.9rem;
      }
      .spacer {
        flex: 1;
      }
      .hint {
        font-size: 0.8125rem;
      }
      button.primary,
      button.stop {
        min-width: 7.5rem;
      }
      button.stop {
        background: var(--danger);
        border-color: var(--danger);
        color: var(--surface);
      }
      button.stop:hover:not(:disabled) {
        background: var(--danger);
        filter: brightness(1.08);
      }
    `,
  ];

  @property() text = '';
  @property({ attribute: false }) pieces: readonly TokenPiece[] = [];
  @property({ type: Boolean }) generating = false;
  /** A model is loaded and idle enough to start. */
  @property({ type: Boolean }) canGenerate = false;
  @property({ type: Boolean }) canContinue = false;
  @property({ type: Boolean }) canStep = false;
  @property({ type: Boolean }) hasOutput = false;
  /** The model's context window in tokens (0: no model yet). */
  @property({ type: Number }) limit = 0;
  /** Why Generate is unavailable (shown instead of the keyboard hint), '' when it is. */
  @property() hint = '';

  override render() {
    const mod = isMac ? '⌘' : 'Ctrl';
    return html`
      <label class="title" for="prompt">Prompt</label>
      <textarea
        id="prompt"
        spellcheck="false"
        placeholder="Type the beginning of a text and let GPT-2 go on…"
        .value=${live(this.text)}
        @input=${(e: Event) =>
          emit(this, 'prompt-input', { text: (e.target as HTMLTextAreaElement).value })}
        aria-describedby="keys"
      ></textarea>
      <prompt-tokens .pieces=${this.pieces} .limit=${this.limit}></prompt-tokens>
      <div class="actions">
        <!-- One button that turns into Stop and back, so keyboard focus stays on it. -->
        <button
          class=${this.generating ? 'stop' : 'primary'}
          data-testid="run-button"
          ?disabled=${!this.generating && !this.canGenerate}
          @click=${() =>
            this.generating
              ? emit(this, 'generation-stop', {})
              : emit(this, 'generate-request', { mode: 'new' })}
        >
          ${this.generating ? html`<span aria-hidden="true">■ </span>Stop` : html`Generate`}
        </button>
        <button
          ?disabled=${this.generating || !this.canContinue}
          @click=${() => emit(this, 'generate-request', { mode: 'continue' })}
        >
          Continue
        </button>
        <button
          ?disabled=${this.generating || !this.canStep}
          @click=${() => emit(this, 'generate-request', { mode: 'step' })}
          title="Generate exactly one token, to follow the model a step at a time"
        >
          Step
        </button>
        <button
          ?disabled=${!this.hasOutput && !this.generating}
          @click=${() => emit(this, 'output-clear', {})}
          title="Remove the generated text"
        >
          Clear
        </button>
        <span class="spacer"></span>
        ${
          this.hint
            ? html`<span class="hint muted" id="keys" data-testid="generate-hint"
                >${this.hint}</span
              >`
            : html`<span class="hint muted" id="keys"
                ><kbd>${mod}</kbd> + <kbd>Enter</kbd> generate · <kbd>Esc</kbd> stop</span
              >`
        }
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'prompt-editor': PromptEditor;
  }
}

import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AppMessage } from './message-list.ts';
import { emit, type MessageAction } from './events.ts';
import { sharedStyles } from './shared-styles.ts';

const ACTION_LABELS: Record<MessageAction, string> = {
  'reload-model': 'Reload the model',
  'load-bundled': 'Load the bundled model',
  'retry-load': 'Try again',
  'undo-prompt-edit': 'Undo',
  dismiss: 'Dismiss',
};

/**
 * One message for the user (an error, a warning, a note): what happened, what to do, and
 * buttons for the actions that help. Errors are announced to screen readers at once.
 *
 * @fires message-action - with the action of the button pressed
 */
@customElement('message-banner')
export class MessageBanner extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .banner {
        display: flex;
        gap: 0.75rem;
        align-items: flex-start;
        padding: 0.75rem 1rem;
        border-radius: var(--radius);
        border: 1px solid var(--border);
        background: var(--surface);
      }
      .banner.error {
        background: var(--danger-soft);
        border-color: color-mix(in srgb, var(--danger) 35%, transparent);
      }
      .banner.warning {
        background: var(--warning-soft);
        border-color: color-mix(in srgb, var(--warning) 35%, transparent);
      }
      .icon {
        flex: none;
        width: 1.25rem;
        height: 1.25rem;
        border-radius: 50%;
        display: grid;
        place-items: center;
        font-size: 0.75rem;
        font-weight: 800;
        margin-top: 0.1rem;
        color: var(--surface);
        background: var(--accent);
      }
      .error .icon {
        background: var(--danger);
      }
      .warning .icon {
        background: var(--warning);
      }
      .body {
        flex: 1;
        min-width: 0;
      }
      .title {
        font-weight: 650;
        margin: 0 0 0.2rem;
      }
      .text {
        margin: 0;
        font-size: 0.875rem;
        line-height: 1.45;
        overflow-wrap: anywhere;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.6rem;
      }
      .actions:empty {
        display: none;
      }
    `,
  ];

  @property({ attribute: false }) message: AppMessage | null = null;

  override render() {
    const m = this.message;
    if (!m) return nothing;
    const main = m.actions.filter((a) => a !== 'dismiss');
    return html`<div
      class="banner ${m.kind}"
      role=${m.kind === 'error' ? 'alert' : 'status'}
      data-testid="message-${m.kind}"
    >
      <span class="icon" aria-hidden="true">${m.kind === 'info' ? 'i' : '!'}</span>
      <div class="body">
        <p class="title">${m.title}</p>
        <p class="text">${m.text}</p>
        <div class="actions">
          ${main.map(
            (a, i) =>
              html`<button
                class="small ${i === 0 ? 'primary' : ''}"
                @click=${() => emit(this, 'message-action', { action: a })}
              >
                ${ACTION_LABELS[a]}
              </button>`,
          )}
        </div>
      </div>
      ${
        m.actions.includes('dismiss')
          ? html`<button
              class="small ghost"
              aria-label="Dismiss: ${m.title}"
              title="Dismiss"
              @click=${() => emit(this, 'message-action', { action: 'dismiss' })}
            >
              ✕
            </button>`
          : nothing
      }
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'message-banner': MessageBanner;
  }
}

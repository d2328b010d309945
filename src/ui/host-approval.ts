import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from './events.ts';
import type { HostToApprove } from './link-hosts.ts';
import { sharedStyles } from './shared-styles.ts';

/**
 * Asks before anything is downloaded from a host other than this site and the Hugging Face
 * hub, naming the host: a link (or a URL typed in the picker) chose it, and its files would
 * decide what this page shows as the model and fill the cache and GPU memory.
 *
 * @fires host-approval - `{approved: true}` to load from the hosts, false to use the default
 */
@customElement('host-approval')
export class HostApproval extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      section {
        padding: 0.75rem 1rem;
        border-radius: var(--radius);
        border: 1px solid color-mix(in srgb, var(--warning) 35%, transparent);
        background: var(--warning-soft);
      }
      h2 {
        font-size: 1rem;
        margin: 0 0 0.3rem;
      }
      p {
        margin: 0 0 0.6rem;
        font-size: 0.875rem;
        line-height: 1.45;
        overflow-wrap: anywhere;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) hosts: readonly HostToApprove[] = [];
  /** The "no" button's text (default: go on without that host's files). */
  @property({ attribute: false }) declineLabel: string | null = null;

  override render() {
    const names = [...new Set(this.hosts.map((h) => h.host))];
    const list = names.join(' and ');
    return html`<section role="alertdialog" aria-labelledby="t" data-testid="host-approval">
      <h2 id="t">Download a model from ${list}?</h2>
      ${this.hosts.map((h) =>
        h.what === 'hub'
          ? html`<p>
              The link sets the model hub to <strong>${h.host}</strong> (${h.origin}) instead of
              huggingface.co: the "GPT-2" models you pick would come from there.
            </p>`
          : html`<p>
              This model's files would come from <strong>${h.host}</strong> (${h.url}), not from
              this site or huggingface.co.
            </p>`,
      )}
      <p>
        Whoever made the link or address chose that host: its files decide what this page shows as
        the model, and they are kept in this browser's cache and loaded into GPU memory. Nothing is
        sent there but the requests for the files. Load only from a host you trust.
      </p>
      <div class="actions">
        <button
          class="primary"
          data-testid="host-approve"
          @click=${() => emit(this, 'host-approval', { approved: true })}
        >
          Load from ${list}
        </button>
        <button
          data-testid="host-decline"
          @click=${() => emit(this, 'host-approval', { approved: false })}
        >
          ${this.declineLabel ?? "Don't download from there"}
        </button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'host-approval': HostApproval;
  }
}

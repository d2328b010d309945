import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { sharedStyles } from './shared-styles.ts';

/**
 * Shown instead of the playground when WebGPU cannot start: what is missing on this page
 * (checked live) and how to get it.
 */
@customElement('no-webgpu-page')
export class NoWebGpuPage extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        padding: 3rem 1rem;
      }
      .card {
        max-width: 44rem;
        margin: 0 auto;
        padding: 2rem;
      }
      h1 {
        font-size: 1.5rem;
        margin: 0 0 0.5rem;
        letter-spacing: -0.01em;
      }
      .lead {
        margin: 0 0 1.5rem;
        line-height: 1.55;
        color: var(--text-muted);
      }
      .reason {
        padding: 0.75rem 1rem;
        border-radius: var(--radius-small);
        background: var(--danger-soft);
        margin: 0 0 1.5rem;
        line-height: 1.5;
        overflow-wrap: anywhere;
      }
      h2 {
        margin-top: 1.5rem;
      }
      ul.checks {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.5rem;
      }
      .checks li {
        display: flex;
        gap: 0.6rem;
        align-items: baseline;
      }
      .mark {
        flex: none;
        font-weight: 800;
        width: 1.2rem;
      }
      .ok .mark {
        color: var(--success);
      }
      .bad .mark {
        color: var(--danger);
      }
      ul.how {
        margin: 0;
        padding-left: 1.2rem;
        line-height: 1.6;
      }
      code {
        font-family: var(--font-mono);
        font-size: 0.85em;
        background: var(--surface-2);
        padding: 0.05rem 0.3rem;
        border-radius: 4px;
        overflow-wrap: anywhere;
      }
      .actions {
        margin-top: 1.75rem;
      }
    `,
  ];

  /** The error the engine gave. */
  @property() message = '';

  override render() {
    const secure = window.isSecureContext;
    const hasGpu = 'gpu' in navigator && Boolean(navigator.gpu);
    return html`<main class="card" data-testid="no-webgpu">
      <h1>WebGPU is not available here</h1>
      <p class="lead">
        This playground runs GPT-2 on your own GPU, inside the browser, through WebGPU. Nothing is
        sent to a server, so without WebGPU there is nothing to run the model on.
      </p>
      <p class="reason" role="alert">${this.message}</p>
      <h2>On this page</h2>
      <ul class="checks">
        ${this.check(
          secure,
          'Secure origin',
          secure
            ? `${location.origin} is a secure context.`
            : `${location.origin} is not secure: WebGPU only exists on https:// pages and on localhost / 127.0.0.1.`,
        )}
        ${this.check(
          hasGpu,
          'navigator.gpu',
          hasGpu
            ? 'The browser exposes WebGPU, but no usable GPU adapter or device came from it.'
            : 'This browser does not expose WebGPU (or it is turned off).',
        )}
      </ul>
      <h2>How to get it</h2>
      <ul class="how">
        <li>
          <strong>Chrome or Edge</strong> 113 or later on Windows, macOS and ChromeOS (121 on
          Android) have it on. On Linux, turn on
          <code>chrome://flags/#enable-unsafe-webgpu</code> (and <code>#enable-vulkan</code>), then
          restart the browser.
        </li>
        <li><strong>Safari</strong> 26 or later (macOS, iOS and iPadOS 26).</li>
        <li>
          <strong>Firefox</strong> 141 or later on Windows; elsewhere set
          <code>dom.webgpu.enabled</code> to true in <code>about:config</code> (Nightly).
        </li>
        <li>
          If the browser has WebGPU but refuses an adapter, the GPU may be blocklisted: check
          <code>chrome://gpu</code>, update the graphics driver, and make sure hardware acceleration
          is on in the browser settings.
        </li>
        <li>
          Serve the app over <code>https://</code> or open it at <code>http://localhost</code> (a
          LAN address such as <code>http://192.168…</code> is not a secure origin).
        </li>
      </ul>
      <div class="actions">
        <button class="primary" @click=${() => location.reload()}>Try again</button>
      </div>
    </main>`;
  }

  private check(ok: boolean, what: string, detail: string) {
    return html`<li class=${ok ? 'ok' : 'bad'}>
      <span class="mark" aria-label=${ok ? 'yes' : 'no'}>${ok ? '✓' : '✕'}</span>
      <span><strong>${what}</strong> · ${detail}</span>
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'no-webgpu-page': NoWebGpuPage;
  }
}

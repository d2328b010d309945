import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { GpuStatus } from '../generation/gpu-session.ts';
import type { LoadedModel } from './app-state.ts';
import { formatBytes } from './format.ts';
import { sharedStyles } from './shared-styles.ts';

/** The header's status line: the GPU adapter, the model and its precision, GPU memory used. */
@customElement('gpu-status')
export class GpuStatusView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        font-size: 0.8125rem;
      }
      ul {
        list-style: none;
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        margin: 0;
        padding: 0;
      }
      li {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        padding: 0.2rem 0.6rem;
        border-radius: 999px;
        background: var(--surface-2);
        border: 1px solid var(--border);
        white-space: nowrap;
        max-width: 22rem;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .dot {
        width: 0.5rem;
        height: 0.5rem;
        border-radius: 50%;
        background: var(--text-muted);
        flex: none;
      }
      .ready .dot {
        background: var(--success);
      }
      .lost .dot {
        background: var(--danger);
      }
      .k {
        color: var(--text-muted);
      }
      /* Below this width the header would wrap to two rows: the chips keep their values and
         say their names to screen readers and in their tooltips only. */
      @media (max-width: 1500px) {
        .k {
          position: absolute;
          width: 1px;
          height: 1px;
          overflow: hidden;
          clip-path: inset(50%);
          white-space: nowrap;
        }
      }
    `,
  ];

  @property({ attribute: false }) status: GpuStatus = { state: 'pending' };
  @property({ attribute: false }) model: LoadedModel | null = null;
  @property({ type: Number }) gpuBytes = 0;

  override render() {
    const s = this.status;
    const gpu =
      s.state === 'ready'
        ? html`<li class="ready" title="GPU: WebGPU adapter${s.shaderF16 ? ' (shader-f16)' : ''}">
            <span class="dot" aria-hidden="true"></span><span class="k">GPU</span>
            <span data-testid="adapter-name">${s.adapterName}</span>
          </li>`
        : s.state === 'lost'
          ? html`<li class="lost"><span class="dot" aria-hidden="true"></span>GPU lost</li>`
          : html`<li><span class="dot" aria-hidden="true"></span>Looking for a GPU…</li>`;
    const m = this.model;
    return html`<ul aria-label="Status">
      ${gpu}
      ${
        m
          ? html`<li title="Model: ${m.description}">
                <span class="k">Model</span>
                <span data-testid="model-name">${m.label}</span>
              </li>
              <li title="Precision: how the weights are stored on the GPU">
                <span class="k">Precision</span><span data-testid="precision">${m.storage}</span>
              </li>`
          : nothing
      }
      ${
        this.gpuBytes > 0
          ? html`<li title="GPU memory: buffers held by this page (weights, activations, caches)">
              <span class="k">GPU memory</span>
              <span data-testid="gpu-memory">${formatBytes(this.gpuBytes)}</span>
            </li>`
          : nothing
      }
    </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gpu-status': GpuStatusView;
  }
}

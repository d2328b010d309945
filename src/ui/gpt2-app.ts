import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { requestGpuContext } from '../gpu/request-device.ts';

/** The playground's root element. */
@customElement('gpt2-app')
export class Gpt2App extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-family: system-ui, sans-serif;
      padding: 1rem;
    }
  `;

  @state() private status = 'Looking for a GPU…';

  override async connectedCallback(): Promise<void> {
    super.connectedCallback();
    try {
      const gpu = await requestGpuContext(navigator.gpu);
      this.status = `GPU: ${gpu.capabilities.adapterName}`;
    } catch (e) {
      this.status = (e as Error).message;
    }
  }

  override render() {
    return html`<h1>GPT-2 WebGPU playground</h1>
      <p data-testid="gpu-status">${this.status}</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gpt2-app': Gpt2App;
  }
}

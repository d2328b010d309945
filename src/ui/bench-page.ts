import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { formatBench, type BenchResult } from '../bench/run-bench.ts';
import { GPT2_PRESETS, type Gpt2PresetName } from '../model/config.ts';
import type { WeightStorage } from '../model/weights.ts';
import {
  BenchController,
  benchSearch,
  MAX_DECODE_STEPS,
  MAX_PREFILL_TOKENS,
  parseBenchParams,
  presetSize,
  type BenchRequest,
} from './bench-controller.ts';
import { figuresJson, formatBytes, formatMs, formatRate } from './format.ts';
import './kernel-versions-table.ts';
import './roofline-report.ts';
import './self-test.ts';
import { figureTableStyles } from './figure-table.styles.ts';
import { sharedStyles } from './shared-styles.ts';

/**
 * A link (autostart=1) may start a benchmark by itself only up to GPT-2 small's size
 * (a 250 MB checkpoint); larger presets build gigabytes in memory and on the GPU, so the
 * page asks first: the user presses Run.
 */
export const AUTOSTART_MAX_FILE_BYTES = 300e6;

const PRESET_LABELS: Record<Gpt2PresetName, string> = {
  tiny: 'tiny (test shape)',
  distilgpt2: 'DistilGPT-2',
  gpt2: 'GPT-2 small',
  'gpt2-medium': 'GPT-2 medium',
  'gpt2-large': 'GPT-2 large',
  'gpt2-xl': 'GPT-2 XL',
};

/**
 * /bench.html: the engine's benchmark in the browser, on this GPU, and the self-test (is the
 * GPU computing GPT-2 right?) beside it. A GPT-2-shaped checkpoint
 * with random weights is made in memory (no download), then prefill and decode are timed as
 * `npm run bench` does. The figures, the adapter and the result as JSON (`#bench-json`, the
 * same object the CLI prints with `--json`) are put in the page. URL parameters preset,
 * precision, prefill, steps (and peak_mb, the MiB the peak-bandwidth kernels stream) set the
 * form; autostart=1 runs it at once. The roofline report and the kernel versions follow.
 */
type NumberField = 'prefillTokens' | 'decodeSteps';

const NUMBER_LIMITS: Record<NumberField, { min: number; max: number; name: string }> = {
  prefillTokens: { min: 1, max: MAX_PREFILL_TOKENS, name: 'Prefill tokens' },
  decodeSteps: { min: 1, max: MAX_DECODE_STEPS, name: 'Decode steps' },
};

@customElement('bench-page')
export class BenchPage extends LitElement {
  static override styles = [
    sharedStyles,
    figureTableStyles,
    css`
      :host {
        display: block;
        max-width: 60rem;
        margin: 0 auto;
        padding: 1.25rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        margin-bottom: 1.25rem;
      }
      h1 {
        margin: 0;
        font-size: 1.25rem;
        letter-spacing: -0.01em;
      }
      a {
        color: var(--accent);
      }
      .card {
        padding: 1.1rem 1.25rem 1.25rem;
        margin-bottom: 1.25rem;
      }
      p {
        margin: 0 0 0.9rem;
        font-size: 0.875rem;
        line-height: 1.5;
        color: var(--text-muted);
      }
      form {
        display: grid;
        /* Wide enough for the longest model shape ("tiny (test shape) · 0.1M") uncut. */
        grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
        gap: 0.9rem;
        align-items: start;
      }
      label {
        display: grid;
        gap: 0.3rem;
        font-size: 0.8125rem;
        font-weight: 550;
      }
      label small {
        font-weight: 450;
        color: var(--text-muted);
      }
      label small.invalid {
        color: var(--danger);
      }
      .buttons {
        display: flex;
        gap: 0.5rem;
      }
      .status {
        margin-top: 0.8rem;
        font-size: 0.875rem;
        color: var(--text-muted);
        min-height: 1.3rem;
      }
      .error {
        margin-top: 0.8rem;
        padding: 0.6rem 0.75rem;
        border-radius: var(--radius-small);
        background: var(--danger-soft);
        color: var(--danger);
        font-size: 0.875rem;
      }
      dl {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
        gap: 0.75rem;
        margin: 0;
      }
      .fig > dd.small {
        font-size: 0.875rem;
        font-weight: 550;
      }
      pre {
        margin: 0.9rem 0 0;
        padding: 0.75rem 0.9rem;
        border-radius: var(--radius-small);
        background: var(--surface-2);
        font-family: var(--font-mono);
        font-size: 0.75rem;
        line-height: 1.5;
        overflow: auto;
        /* The JSON holds every dispatch: scroll it rather than make the page endless. */
        max-height: 24rem;
      }
      details p {
        margin: 0.5rem 0;
      }
    `,
  ];

  private readonly controller = new BenchController(this);
  private readonly initial = parseBenchParams(location.search);
  @state() private request: BenchRequest = this.initial.request;
  /** Why a link's autostart waits for a click (a large preset), or null. */
  @state() private held: string | null = null;
  /** The number fields as typed, and what is wrong with each (absent: valid). */
  @state() private typed: Record<NumberField, string> = {
    prefillTokens: String(this.request.prefillTokens),
    decodeSteps: String(this.request.decodeSteps),
  };
  @state() private invalid: Partial<Record<NumberField, string>> = {};

  override connectedCallback(): void {
    super.connectedCallback();
    void this.controller.openGpu().then((ok) => {
      if (!ok || !this.initial.autostart) return;
      const { preset, storage } = this.request;
      const { parameters, fileBytes } = presetSize(preset);
      if (fileBytes <= AUTOSTART_MAX_FILE_BYTES) {
        void this.start();
        return;
      }
      this.held =
        `This link asks to start the ${PRESET_LABELS[preset]} benchmark at once. It builds a ` +
        `${formatBytes(fileBytes)} checkpoint in memory and puts ` +
        `${formatBytes(parameters * (storage === 'f16' ? 2 : 4))} of weights on the GPU, ` +
        'so it waits for you: press Run to start it.';
    });
  }

  private async start(): Promise<void> {
    if (Object.keys(this.invalid).length) return;
    this.held = null;
    history.replaceState(history.state, '', benchSearch(this.request));
    await this.controller.run(this.request);
  }

  override render() {
    const c = this.controller;
    return html`
      <header>
        <h1>GPT-2 WebGPU benchmark</h1>
        <a href="./">← Back to the playground</a>
      </header>
      ${
        c.unavailable
          ? html`<section class="card" role="alert" data-testid="bench-unavailable">
              <p>${c.unavailable}</p>
            </section>`
          : this.form()
      }
      ${this.adapterCard()} ${c.latest ? this.resultCard(c.latest.result) : nothing}
      ${
        c.latest
          ? html`<section class="card" aria-label="Roofline">
              <roofline-report .result=${c.latest.result}></roofline-report>
            </section>`
          : nothing
      }
      ${c.entries.length > 1 ? this.history() : nothing}
      ${c.unavailable ? nothing : this.versions()}
      ${
        c.unavailable
          ? nothing
          : html`<section class="card" aria-label="Self-test">
              <self-test-panel></self-test-panel>
            </section>`
      }
    `;
  }

  private form() {
    const c = this.controller;
    const r = this.request;
    const size = presetSize(r.preset);
    const gpuBytes = size.parameters * (r.storage === 'f16' ? 2 : 4);
    const set = (patch: Partial<BenchRequest>) => (this.request = { ...this.request, ...patch });
    return html`<section class="card" aria-label="Benchmark settings">
      <p>
        Times the engine on this GPU with a GPT-2-shaped checkpoint of random weights made in memory
        (no download): a prefill of a prompt, then single-token decode steps through the KV cache,
        as <code>npm run bench</code> does in Node.
        ${
          this.held
            ? html`<br /><span role="alert" data-testid="bench-held">${this.held}</span>`
            : nothing
        }
        ${
          this.initial.problems.length
            ? html`<br /><span role="alert"
                  >Ignored from the link: ${this.initial.problems.join(' ')}</span
                >`
            : nothing
        }
      </p>
      <form
        novalidate
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.start();
        }}
      >
        <label
          >Model shape
          <select
            data-testid="bench-preset"
            .value=${r.preset}
            ?disabled=${c.running}
            @change=${(e: Event) =>
              set({ preset: (e.target as HTMLSelectElement).value as Gpt2PresetName })}
          >
            ${(Object.keys(GPT2_PRESETS) as Gpt2PresetName[]).map(
              (p) =>
                html`<option value=${p} ?selected=${p === r.preset}>
                  ${PRESET_LABELS[p]} · ${(presetSize(p).parameters / 1e6).toFixed(0)}M
                </option>`,
            )}
          </select>
          <small
            >${formatBytes(size.fileBytes)} in memory, ${formatBytes(gpuBytes)} on the GPU</small
          >
        </label>
        <label
          >Weights
          <select
            data-testid="bench-precision"
            .value=${r.storage}
            ?disabled=${c.running}
            @change=${(e: Event) =>
              set({ storage: (e.target as HTMLSelectElement).value as WeightStorage })}
          >
            <option value="f16" ?selected=${r.storage === 'f16'}>f16 (half the bytes)</option>
            <option value="f32" ?selected=${r.storage === 'f32'}>f32</option>
          </select>
          <small>${r.storage === 'f16' ? 'f32 math, f16 storage' : 'full precision'}</small>
        </label>
        ${this.numberField('prefillTokens', 'Prefill tokens', 'capped at the context length − 1')}
        ${this.numberField('decodeSteps', 'Decode steps', 'after one warm-up step')}
        <div class="buttons">
          <button
            class="primary"
            type="submit"
            data-testid="bench-run"
            ?disabled=${c.running || Object.keys(this.invalid).length > 0}
          >
            ${c.running ? 'Running…' : 'Run benchmark'}
          </button>
          ${
            c.running
              ? html`<button type="button" data-testid="bench-cancel" @click=${() => c.cancel()}>
                  Cancel
                </button>`
              : nothing
          }
        </div>
      </form>
      <div class="status" role="status" aria-live="polite" data-testid="bench-status">
        ${c.running ? c.status : c.note}
      </div>
      ${c.error ? html`<div class="error" role="alert">${c.error}</div>` : nothing}
    </section>`;
  }

  /**
   * A whole-number field checked as it is typed: an invalid value says why under the field
   * and blocks Run (not only the browser's bubble), and is never sent.
   */
  private numberField(field: NumberField, label: string, help: string) {
    const { min, max } = NUMBER_LIMITS[field];
    const problem = this.invalid[field];
    const id = `bench-${field}-help`;
    return html`<label
      >${label}
      <input
        type="number"
        data-testid=${field === 'prefillTokens' ? 'bench-prefill' : 'bench-steps'}
        min=${min}
        max=${max}
        .value=${this.typed[field]}
        ?disabled=${this.controller.running}
        aria-invalid=${problem ? 'true' : 'false'}
        aria-describedby=${id}
        @input=${(e: Event) => this.editNumber(field, (e.target as HTMLInputElement).value)}
      />
      ${
        problem
          ? html`<small class="invalid" id=${id} role="alert">${problem}</small>`
          : html`<small id=${id}>${help}</small>`
      }
    </label>`;
  }

  private editNumber(field: NumberField, text: string): void {
    this.typed = { ...this.typed, [field]: text };
    const { min, max, name } = NUMBER_LIMITS[field];
    const v = Number(text);
    const others = { ...this.invalid };
    delete others[field];
    if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
      this.invalid = {
        ...others,
        [field]: `${name} must be a whole number from ${min} to ${max}, got "${text}".`,
      };
      return;
    }
    this.invalid = others;
    this.request = { ...this.request, [field]: v };
  }

  private adapterCard() {
    const a = this.controller.adapter;
    if (!a) return nothing;
    return html`<section class="card" aria-label="GPU adapter">
      <dl>
        <div class="fig" style="grid-column: 1 / -1">
          <dt>Adapter</dt>
          <dd class="small" data-testid="bench-adapter">${a.name}</dd>
        </div>
        <div class="fig">
          <dt>shader-f16</dt>
          <dd class="small">${a.shaderF16 ? 'yes' : 'no'}</dd>
        </div>
        <div class="fig">
          <dt>timestamp-query</dt>
          <dd class="small">${a.timestampQuery ? 'yes' : 'no'}</dd>
        </div>
        <div class="fig">
          <dt>Largest buffer</dt>
          <dd class="small">${formatBytes(a.maxBufferSize)}</dd>
        </div>
      </dl>
      <details data-testid="bench-device">
        <summary>Features and limits</summary>
        <p>${a.device.features.join(', ') || 'no optional features'}</p>
        <table>
          <tbody>
            ${Object.entries(a.device.limits).map(
              ([name, v]) =>
                html`<tr>
                  <td>${name}</td>
                  <td>${v}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </details>
    </section>`;
  }

  private versions() {
    const c = this.controller;
    const v = c.versions;
    return html`<section class="card" aria-label="Kernel versions">
      <p>
        Every numbered version of each kernel (v1: the simple one the engine started with) on the
        same inputs of the chosen shape, in one run: time, GB/s, GFLOP/s, time over v1's, and the
        largest difference from v1's output.
      </p>
      <button
        data-testid="bench-versions-run"
        ?disabled=${c.running}
        @click=${() => void c.runVersions(this.request)}
      >
        Compare kernel versions
      </button>
      ${
        v
          ? html`<kernel-versions-table .results=${v.results}></kernel-versions-table>
              <pre id="bench-versions-json" data-testid="bench-versions-json">
${figuresJson(v.results)}</pre>`
          : nothing
      }
    </section>`;
  }

  private resultCard(r: BenchResult) {
    return html`<section class="card" aria-label="Result" data-testid="bench-result">
      <dl>
        <div class="fig">
          <dt>Decode</dt>
          <dd>${formatRate(r.decode.tokensPerSecond)} <span class="sub">tok/s</span></dd>
        </div>
        <div class="fig">
          <dt>Per step</dt>
          <dd>${formatMs(r.decode.msPerStep)}</dd>
        </div>
        <div class="fig">
          <dt>Prefill</dt>
          <dd>
            ${formatRate(r.prefill.tokensPerSecond)} <span class="sub">tok/s</span>
            <span class="sub">(${r.prefill.tokens} tok, ${formatMs(r.prefill.ms)})</span>
          </dd>
        </div>
        <div class="fig">
          <dt>Weights read</dt>
          <dd>${r.decode.weightGBPerSecond.toFixed(2)} <span class="sub">GB/s</span></dd>
        </div>
        <div class="fig">
          <dt>Per decode step</dt>
          <dd class="small">
            ${r.decode.submits} submit · ${r.decode.dispatches} dispatches ·
            ${formatBytes(r.decode.readbackBytes)} read back
          </dd>
        </div>
        <div class="fig">
          <dt>Pipelined loop</dt>
          <dd class="small" data-testid="bench-loop">
            ${formatMs(r.decode.loop.pipelinedMsPerToken)} / token ·
            ${formatMs(r.decode.loop.plainMsPerToken)} waiting for the CPU
          </dd>
        </div>
      </dl>
      <pre data-testid="bench-text">${formatBench(r)}</pre>
      <pre id="bench-json" data-testid="bench-json">${figuresJson(r)}</pre>
    </section>`;
  }

  private history() {
    return html`<section class="card" aria-label="Runs on this page">
      <div class="scroll">
        <table data-testid="bench-history">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Weights</th>
              <th scope="col">Prefill tok/s</th>
              <th scope="col">Decode tok/s</th>
              <th scope="col">ms/step</th>
              <th scope="col">GB/s</th>
            </tr>
          </thead>
          <tbody>
            ${this.controller.entries.map(
              ({ request, result: r }) =>
                html`<tr>
                  <td>${PRESET_LABELS[request.preset]}</td>
                  <td>${r.storage}</td>
                  <td>${formatRate(r.prefill.tokensPerSecond)}</td>
                  <td>${formatRate(r.decode.tokensPerSecond)}</td>
                  <td>${r.decode.msPerStep.toFixed(1)}</td>
                  <td>${r.decode.weightGBPerSecond.toFixed(2)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bench-page': BenchPage;
  }
}

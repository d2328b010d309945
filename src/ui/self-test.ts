import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { SelfTestPromptResult } from '../generation/self-test.ts';
import type { WeightStorage } from '../model/weights.ts';
import { formatMs } from './format.ts';
import { BUNDLED_MODEL_PATH } from './model-choices.ts';
import { runBundledSelfTest, type SelfTestRun } from './self-test-runner.ts';
import { sharedStyles } from './shared-styles.ts';

type StorageChoice = 'both' | WeightStorage;

const STORAGES: Record<StorageChoice, WeightStorage[]> = {
  both: ['f32', 'f16'],
  f32: ['f32'],
  f16: ['f16'],
};

/**
 * "Is my GPU computing GPT-2 right?" A button that runs the bundled model on this GPU and
 * compares it with reference values from an independent float64 implementation: the logits
 * after each reference prompt (relative to their range) and the greedy continuation. A pass
 * means the kernels work on this browser and driver; a fail points at the GPU path, not at
 * a prompt. Runs on a GPU device of its own and frees it afterwards.
 */
@customElement('self-test-panel')
export class SelfTestPanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      p {
        margin: 0 0 0.75rem;
        font-size: 0.8125rem;
        line-height: 1.45;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
      }
      label {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.8125rem;
        color: var(--text-muted);
      }
      .status {
        margin-top: 0.6rem;
        font-size: 0.8125rem;
        color: var(--text-muted);
      }
      .verdict {
        margin-top: 0.9rem;
        padding: 0.6rem 0.75rem;
        border-radius: var(--radius-small);
        font-size: 0.875rem;
        line-height: 1.4;
      }
      .verdict strong {
        display: block;
        font-size: 0.9375rem;
      }
      .verdict.pass {
        background: color-mix(in srgb, var(--success) 14%, transparent);
        color: var(--text);
        border: 1px solid color-mix(in srgb, var(--success) 45%, transparent);
      }
      .verdict.pass strong {
        color: var(--success);
      }
      .verdict.fail {
        background: var(--danger-soft);
        border: 1px solid color-mix(in srgb, var(--danger) 45%, transparent);
      }
      .verdict.fail strong {
        color: var(--danger);
      }
      table {
        width: 100%;
        margin-top: 0.6rem;
        border-collapse: collapse;
        font-size: 0.75rem;
        font-variant-numeric: tabular-nums;
      }
      caption {
        text-align: left;
        font-weight: 650;
        padding: 0.3rem 0;
      }
      th,
      td {
        text-align: left;
        padding: 0.25rem 0.3rem;
        border-bottom: 1px solid var(--border);
        vertical-align: top;
      }
      th {
        color: var(--text-muted);
        font-weight: 600;
      }
      td.prompt {
        max-width: 7rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .ok {
        color: var(--success);
        font-weight: 650;
      }
      .bad {
        color: var(--danger);
        font-weight: 650;
      }
      .problems {
        margin: 0.2rem 0 0;
        padding-left: 1rem;
        color: var(--danger);
      }
    `,
  ];

  /** The model folder to test (default: the bundled model next to the page). */
  @property() modelUrl = '';
  /** Greedy steps checked per prompt (null: all the reference has). */
  @property({ attribute: false }) maxGreedySteps: number | null = null;

  @state() private choice: StorageChoice = 'both';
  @state() private running = false;
  @state() private status = '';
  @state() private run: SelfTestRun | null = null;
  @state() private error = '';

  private abort: AbortController | null = null;

  /** The last run's results (read-only; tests read them). */
  get result(): SelfTestRun | null {
    return this.run;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
  }

  override render() {
    return html`<h2>Self-test</h2>
      <p>
        Runs the bundled model on this GPU and compares its logits and greedy text with reference
        values computed independently (float64). A pass means the kernels work on this browser and
        driver; a failure points at the GPU path, not at your prompt.
      </p>
      <div class="row">
        <label
          >Weights
          <select
            data-testid="self-test-storage"
            .value=${this.choice}
            ?disabled=${this.running}
            @change=${(e: Event) =>
              (this.choice = (e.target as HTMLSelectElement).value as StorageChoice)}
          >
            <option value="both">f32 and f16</option>
            <option value="f32">f32</option>
            <option value="f16">f16</option>
          </select></label
        >
        ${
          this.running
            ? html`<button type="button" @click=${() => this.abort?.abort()}>Cancel</button>`
            : html`<button
                class="primary"
                type="button"
                data-testid="self-test-run"
                @click=${() => void this.start()}
              >
                Run self-test
              </button>`
        }
      </div>
      <div class="status" role="status" aria-live="polite" data-testid="self-test-status">
        ${this.running ? this.status : ''}
      </div>
      ${
        this.error
          ? html`<div class="verdict fail" role="alert" data-testid="self-test-verdict">
              <strong>Could not run</strong>${this.error}
            </div>`
          : nothing
      }
      ${this.run ? this.results(this.run) : nothing}`;
  }

  private async start(): Promise<void> {
    if (this.running) return;
    const abort = new AbortController();
    this.abort = abort;
    this.running = true;
    this.run = null;
    this.error = '';
    try {
      this.run = await runBundledSelfTest({
        modelUrl: this.modelUrl || new URL(BUNDLED_MODEL_PATH, document.baseURI).href,
        storages: STORAGES[this.choice],
        maxGreedySteps: this.maxGreedySteps ?? undefined,
        signal: abort.signal,
        onStatus: (s) => (this.status = s),
      });
    } catch (e) {
      this.error = abort.signal.aborted
        ? ' The self-test was cancelled.'
        : ` ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.running = false;
      this.abort = null;
    }
  }

  private results(run: SelfTestRun) {
    const worst = Math.max(0, ...run.outcomes.map((o) => o.report?.worstRelError ?? 0));
    return html`<div
        class="verdict ${run.pass ? 'pass' : 'fail'}"
        role=${run.pass ? 'status' : 'alert'}
        data-testid="self-test-verdict"
      >
        <strong>${run.pass ? 'Pass' : 'Fail'}</strong>
        ${
          run.pass
            ? `This GPU computes GPT-2 correctly: worst logit error ${worst.toExponential(1)} of the logit range.`
            : 'This GPU gives wrong numbers on at least one path: generated text may be garbage. ' +
              'Try another browser or update the GPU driver.'
        }
        <span class="muted">${run.adapter} · ${formatMs(run.ms)}</span>
      </div>
      ${
        run.gpuErrors.length
          ? html`<ul class="problems">
              ${run.gpuErrors.map((e) => html`<li>WebGPU error: ${e}</li>`)}
            </ul>`
          : nothing
      }
      ${run.outcomes.map((o) =>
        o.report
          ? html`<table data-testid=${`self-test-${o.storage}`}>
              <caption>
                ${o.storage} weights
                <span class=${o.report.pass ? 'ok' : 'bad'}
                  >${o.report.pass ? 'pass' : 'fail'}</span
                >
                <span class="muted">(allowed error ${o.report.relTol.toExponential(0)})</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">Prompt</th>
                  <th scope="col">Logit error</th>
                  <th scope="col">Greedy</th>
                  <th scope="col"><span class="visually-hidden">Result</span></th>
                </tr>
              </thead>
              <tbody>
                ${o.report.prompts.map((p) => this.promptRow(p))}
              </tbody>
            </table>`
          : html`<p class="problems" role="alert">${o.storage} weights: ${o.error}</p>`,
      )}`;
  }

  private promptRow(p: SelfTestPromptResult) {
    const greedy = `${p.agreeSteps}/${p.greedyExpected.length}${p.tie && p.agreeSteps < p.greedyExpected.length ? ' (tie)' : ''}`;
    return html`<tr>
      <td class="prompt" title=${p.text}>${p.text || `${p.tokens} tokens`}</td>
      <td
        title=${`max |error| ${p.maxAbsError.toExponential(2)} over a range of ${p.logitRange.toFixed(2)}`}
      >
        ${Number.isFinite(p.relError) ? p.relError.toExponential(1) : 'NaN'}
      </td>
      <td>${greedy}</td>
      <td class=${p.pass ? 'ok' : 'bad'}>
        ${p.pass ? '✓' : '✗'}
        ${
          p.problems.length
            ? html`<ul class="problems">
                ${p.problems.map((x) => html`<li>${x}</li>`)}
              </ul>`
            : nothing
        }
      </td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'self-test-panel': SelfTestPanel;
  }
}

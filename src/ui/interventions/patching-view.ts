import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PatchingRequest, PatchingResult } from '../../inspect/patching.ts';
import { Gpt2Tokenizer } from '../../tokenizer/gpt2-tokenizer.ts';
import { describeError, visibleToken } from '../format.ts';
import { downloadBlob } from '../inspector/png-export.ts';
import { sharedStyles } from '../shared-styles.ts';
import { effectPng, effectSvg, type EffectGrid } from './effect-export.ts';
import './effect-heatmap.ts';
import {
  checkPatchingForm,
  EMPTY_FORM,
  IOI_EXAMPLE,
  type CheckedForm,
  type PatchingForm,
} from './patching-form.ts';

/** Where the view's numbers come from (the EngineController; null while tokens stream). */
export interface PatchingSource {
  patch(
    request: PatchingRequest,
    options: { signal: AbortSignal; onProgress: (done: number, total: number) => void },
  ): Promise<PatchingResult | null>;
}

interface Done {
  request: PatchingRequest;
  result: PatchingResult;
}

/**
 * Activation patching: which heads (and which positions of the residual stream) carry the
 * answer. Two prompts of equal token length (clean and corrupted, with their token counts side
 * by side) and two answer tokens; Run patches every head, then every (layer, position), of the
 * corrupted run with the clean run's activations, in one batched sweep on the GPU, with
 * progress and Cancel. Effect = (LD_patched - LD_corrupt) / (LD_clean - LD_corrupt), LD =
 * logit(right) - logit(wrong): 1 restores the clean answer, 0 changes nothing. Heatmaps of
 * both, on a diverging scale centred at 0, exported as PNG, SVG or JSON (the CLI's format).
 */
@customElement('patching-view')
export class PatchingView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      section {
        padding: 1.1rem 1.25rem 1.25rem;
      }
      .prompts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
        gap: 0.75rem;
      }
      label.block {
        display: grid;
        gap: 0.3rem;
        font-size: 0.8125rem;
        font-weight: 600;
      }
      textarea {
        min-height: 3.6rem;
        padding: 0.4rem 0.5rem;
        font-size: 0.875rem;
        resize: vertical;
      }
      .count {
        font-weight: 500;
        font-variant-numeric: tabular-nums;
      }
      .answers {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        margin-top: 0.75rem;
      }
      input[type='text'] {
        width: 9rem;
        font-family: var(--font-mono);
      }
      .problem {
        color: var(--danger);
        font-size: 0.8125rem;
        margin: 0.3rem 0 0;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.6rem;
        margin-top: 0.9rem;
      }
      progress {
        width: 12rem;
      }
      .maps {
        display: grid;
        gap: 1.25rem;
        margin-top: 1rem;
      }
      h3 {
        font-size: 0.875rem;
        margin: 0 0 0.4rem;
      }
      .ld {
        font-size: 0.875rem;
        font-variant-numeric: tabular-nums;
        margin: 1rem 0 0;
      }
      .exports {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        margin-top: 0.4rem;
      }
    `,
  ];

  @property({ attribute: false }) source: PatchingSource | null = null;
  @property({ type: Number }) nPositions = 0;
  /** Tokens are streaming: Run waits. */
  @property({ type: Boolean }) generating = false;

  @state() private form: PatchingForm = EMPTY_FORM;
  @state() private running = false;
  @state() private progress = { done: 0, total: 0 };
  @state() private done: Done | null = null;
  @state() private message = '';
  @state() private error = '';

  private abort: AbortController | null = null;
  private readonly tokenizer = new Gpt2Tokenizer();

  /** The last result (read-only; tests read it). */
  get currentResult(): Done | null {
    return this.done;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
  }

  private checked(): CheckedForm {
    return checkPatchingForm(this.form, this.tokenizer, this.nPositions || Infinity);
  }

  private set(field: keyof PatchingForm, value: string): void {
    this.form = { ...this.form, [field]: value };
  }

  private async run(): Promise<void> {
    const request = this.checked().request;
    if (!request || !this.source || this.running) return;
    const abort = new AbortController();
    this.abort = abort;
    this.running = true;
    this.error = '';
    this.message = '';
    this.progress = { done: 0, total: 0 };
    try {
      const result = await this.source.patch(request, {
        signal: abort.signal,
        onProgress: (done, total) => (this.progress = { done, total }),
      });
      if (result) this.done = { request, result };
      else this.message = 'The model is busy or not loaded: try again when it is idle.';
    } catch (e) {
      if (abort.signal.aborted) this.message = 'Cancelled: the sweep stopped, nothing changed.';
      else this.error = describeError(e);
    } finally {
      this.running = false;
      this.abort = null;
    }
  }

  override render() {
    const c = this.checked();
    const p = c.problems;
    return html`<section class="panel card" aria-label="Activation patching">
      <h2>Activation patching</h2>
      <p class="muted" style="font-size:0.8125rem;margin:0 0 0.75rem">
        Which heads carry the answer? Each head's output (and each position of the residual stream)
        in the corrupted run is replaced by the clean run's; 1 means the patch restores the clean
        answer, 0 that it changes nothing. On the model as loaded (no ablation).
      </p>
      <div class="prompts">
        ${this.promptField('clean', 'Clean prompt', c.cleanIds.length, p.clean)}
        ${this.promptField('corrupt', 'Corrupted prompt', c.corruptIds.length, p.corrupt)}
      </div>
      ${p.lengths ? html`<p class="problem" role="alert" data-testid="patch-lengths">${p.lengths}</p>` : nothing}
      <div class="answers">
        ${this.answerField('right', 'Right answer', p.right)}
        ${this.answerField('wrong', 'Wrong answer', p.wrong)}
      </div>
      <div class="actions">
        <button
          class="primary"
          type="button"
          data-testid="patch-run"
          ?disabled=${!c.request || this.running || this.generating || !this.source}
          @click=${() => void this.run()}
        >
          Run
        </button>
        ${
          this.running
            ? html`<button
                  type="button"
                  data-testid="patch-cancel"
                  @click=${() => this.abort?.abort()}
                >
                  Cancel
                </button>
                <progress
                  aria-label="Patching sweep"
                  data-testid="patch-progress"
                  max=${this.progress.total || 1}
                  .value=${this.progress.done}
                ></progress>
                <span class="muted" style="font-size:0.8125rem"
                  >${this.progress.total ? `${this.progress.done} of ${this.progress.total} patched runs` : 'Running the clean and corrupted prompts…'}</span
                >`
            : nothing
        }
        <button
          class="ghost"
          type="button"
          data-testid="patch-example"
          ?disabled=${this.running}
          @click=${() => (this.form = IOI_EXAMPLE)}
          title="Indirect object identification: who gets the drink?"
        >
          Worked example (IOI)
        </button>
        ${this.generating ? html`<span class="muted" style="font-size:0.8125rem">Waits until tokens stop streaming.</span>` : nothing}
      </div>
      ${this.message ? html`<p class="muted" role="status" data-testid="patch-message">${this.message}</p>` : nothing}
      ${this.error ? html`<p class="problem" role="alert">${this.error}</p>` : nothing}
      ${this.done ? this.results(this.done) : nothing}
    </section>`;
  }

  private promptField(field: 'clean' | 'corrupt', label: string, count: number, problem?: string) {
    return html`<label class="block"
      ><span
        >${label}
        <span class="count muted" data-testid=${`patch-${field}-count`}
          >${count} token${count === 1 ? '' : 's'}</span
        ></span
      >
      <textarea
        data-testid=${`patch-${field}`}
        .value=${this.form[field]}
        aria-invalid=${problem ? 'true' : 'false'}
        @input=${(e: Event) => this.set(field, (e.target as HTMLTextAreaElement).value)}
      ></textarea>
      ${problem && this.form[field] ? html`<span class="problem">${problem}</span>` : nothing}
    </label>`;
  }

  private answerField(field: 'right' | 'wrong', label: string, problem?: string) {
    return html`<label class="block"
      >${label}
      <input
        type="text"
        data-testid=${`patch-${field}`}
        .value=${this.form[field]}
        aria-invalid=${problem && this.form[field] ? 'true' : 'false'}
        @input=${(e: Event) => this.set(field, (e.target as HTMLInputElement).value)}
      />
      ${problem && this.form[field] ? html`<span class="problem" data-testid=${`patch-${field}-problem`}>${problem}</span>` : nothing}
    </label>`;
  }

  private grids(d: Done): { heads: EffectGrid; positions: EffectGrid } {
    const { result: r, request: q } = d;
    const L = r.heads.length;
    const layers = Array.from({ length: L }, (_, l) => `L${l}`);
    const tok = (id: number) => visibleToken(this.tokenizer.decode([id]));
    const posLabels = q.cleanIds.map((id, p) => {
      const other = q.corruptIds[p];
      return `${p} ${tok(id)}${other !== id ? `/${tok(other)}` : ''}`;
    });
    return {
      heads: {
        title: 'Patching effect per head (1 = restores the clean answer)',
        values: r.heads,
        rowLabels: layers,
        colLabels: (r.heads[0] ?? []).map((_, h) => `H${h}`),
        quantity: 'effect',
      },
      positions: {
        title: 'Patching effect per layer and position (residual stream entering the block)',
        values: r.positions,
        rowLabels: layers,
        colLabels: posLabels,
        quantity: 'effect',
      },
    };
  }

  private results(d: Done) {
    const r = d.result;
    const g = this.grids(d);
    return html`<p class="ld" data-testid="patch-ld">
        LD = logit(right) − logit(wrong): clean <strong>${r.cleanLd.toFixed(3)}</strong>, corrupted
        <strong>${r.corruptLd.toFixed(3)}</strong>
        <span class="muted"
          >· ${r.stats.forwards} forwards in ${r.stats.submits} submits,
          ${(r.stats.ms / 1000).toFixed(1)} s</span
        >
      </p>
      ${r.undefinedReason ? html`<p class="problem" role="alert" data-testid="patch-undefined">Effects are undefined: ${r.undefinedReason}.</p>` : nothing}
      <div class="maps">
        <div>
          <h3>Layer × head</h3>
          <effect-heatmap
            data-testid="patch-heads"
            label="Patching effect of each layer and head"
            quantity="effect"
            showValues
            .values=${r.heads}
            .rowLabels=${g.heads.rowLabels}
            .colLabels=${g.heads.colLabels}
          ></effect-heatmap>
          ${this.exports(g.heads, 'patching-heads')}
        </div>
        <div>
          <h3>Layer × position</h3>
          <effect-heatmap
            data-testid="patch-positions"
            label="Patching effect of each layer and position"
            quantity="effect"
            .values=${r.positions}
            .rowLabels=${g.positions.rowLabels}
            .colLabels=${g.positions.colLabels}
          ></effect-heatmap>
          ${this.exports(g.positions, 'patching-positions')}
        </div>
      </div>
      <div class="exports">
        <button
          class="small"
          type="button"
          data-testid="patch-json"
          @click=${() => this.exportJson(d)}
        >
          Export JSON
        </button>
      </div>`;
  }

  private exports(g: EffectGrid, stem: string) {
    return html`<div class="exports" role="group" aria-label="Export">
      <button
        class="small"
        type="button"
        data-testid=${`${stem}-png`}
        @click=${() =>
          void effectPng(g).then(
            (b) => downloadBlob(b, `${stem}.png`),
            (e: unknown) => (this.error = describeError(e)),
          )}
      >
        Export PNG
      </button>
      <button
        class="small"
        type="button"
        data-testid=${`${stem}-svg`}
        @click=${() =>
          downloadBlob(new Blob([effectSvg(g)], { type: 'image/svg+xml' }), `${stem}.svg`)}
      >
        Export SVG
      </button>
    </div>`;
  }

  /** The CLI's `inspect patch --json` document. */
  private exportJson({ request: q, result: r }: Done): void {
    const doc: Record<string, unknown> = {
      clean_ids: q.cleanIds,
      corrupt_ids: q.corruptIds,
      right_id: q.rightId,
      wrong_id: q.wrongId,
      clean_ld: r.cleanLd,
      corrupt_ld: r.corruptLd,
      heads: r.heads,
      positions: r.positions,
    };
    if (r.undefinedReason) doc.undefined_reason = r.undefinedReason;
    doc.stats = r.stats;
    downloadBlob(
      new Blob([JSON.stringify(doc, null, 2) + '\n'], { type: 'application/json' }),
      'patching.json',
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'patching-view': PatchingView;
  }
}

import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { stepWhatIf, type StepWhatIf, type WhatIfSettings } from '../../generation/step-what-if.ts';
import type { OutputToken } from '../app-state.ts';
import { emit } from '../events.ts';
import { describeSampling, formatNumber, formatPercent, visibleToken } from '../format.ts';
import { sharedStyles } from '../shared-styles.ts';
import { stepMicroscopeStyles } from './step-microscope.styles.ts';

/** Candidates drawn as rows (the cut-offs beyond them are still said). */
const ROWS = 16;

/**
 * One generated token under the microscope: every candidate the GPU read back for its step,
 * with the model's probability (T = 1), after temperature and after top-k / top-p, the
 * chosen token's rank, the entropy, and the cut-offs drawn where top-k and top-p end. Its
 * own sliders replay the step under other settings at once (a what-if over the recorded
 * candidates: the text is not sampled again).
 *
 * @fires token-select - the previous / next step was asked for: its position in the context
 */
@customElement('step-microscope')
export class StepMicroscope extends LitElement {
  static override styles = [sharedStyles, stepMicroscopeStyles];

  /** The output of the branch on screen. */
  @property({ attribute: false }) tokens: readonly OutputToken[] = [];
  /** The output index looked at (null: the last token). */
  @property({ attribute: false }) index: number | null = null;
  /** Position in the context of the first output token. */
  @property({ type: Number }) firstPosition = 0;
  /** Token text of an id (the engine's tokenizer). */
  @property({ attribute: false }) decode: (ids: readonly number[]) => string = (ids) =>
    ids.join(' ');

  /** The what-if settings (null: the step's own). */
  @state() private whatIf: WhatIfSettings | null = null;
  private shownToken: OutputToken | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Another step: the what-if starts again from the settings it was drawn with.
    if (changed.has('tokens') || changed.has('index')) {
      const t = this.token;
      if (t !== this.shownToken) {
        this.shownToken = t;
        this.whatIf = null;
      }
    }
  }

  private get at(): number {
    return this.index !== null && this.index < this.tokens.length
      ? this.index
      : this.tokens.length - 1;
  }

  private get token(): OutputToken | null {
    return this.tokens[this.at] ?? null;
  }

  override render() {
    const heading = html`<h2>The step under the microscope</h2>`;
    const t = this.token;
    if (!t) {
      return html`<div class="head">${heading}</div>
        <p class="note" data-testid="microscope-empty">
          Generate a few tokens, then pick one (click its chip): every candidate of its step, as the
          model, the temperature and top-k / top-p saw it.
        </p>`;
    }
    const drawn: WhatIfSettings = {
      temperature: t.settings.temperature,
      topK: t.settings.topK,
      topP: t.settings.topP,
    };
    const s = this.whatIf ?? drawn;
    const w = stepWhatIf(t.candidates, t.id, s);
    const at = this.at;
    return html`<div class="head">
        ${heading}
        <div class="nav" role="group" aria-label="Step">
          <button
            class="small"
            ?disabled=${at === 0}
            aria-label="Previous token"
            @click=${() => this.go(at - 1)}
          >
            ‹
          </button>
          <span data-testid="microscope-step"
            >token ${at + 1} of ${this.tokens.length}:
            <span class="tok">${visibleToken(t.text || this.decode([t.id]))}</span></span
          >
          <button
            class="small"
            ?disabled=${at >= this.tokens.length - 1}
            aria-label="Next token"
            @click=${() => this.go(at + 1)}
          >
            ›
          </button>
        </div>
      </div>
      <p class="drawn muted">
        Drawn with ${describeSampling(t.settings)}${t.branched ? ' · chosen by you' : ''}
      </p>
      ${this.renderSliders(s, drawn)} ${this.renderStats(t, w)} ${this.renderTable(t, w, s)}`;
  }

  private renderSliders(s: WhatIfSettings, drawn: WhatIfSettings) {
    const changed = this.whatIf !== null && !sameSettings(s, drawn);
    const set = (patch: Partial<WhatIfSettings>) => (this.whatIf = { ...s, ...patch });
    const n = this.token?.candidates.length ?? 0;
    return html`<fieldset class="sliders" data-testid="microscope-sliders">
      <legend>What if · redraws this step, does not change the text</legend>
      <label
        >Temperature
        <output data-testid="whatif-temperature">${formatNumber(s.temperature, 2)}</output
        ><input
          type="range"
          min="0"
          max="2"
          step="0.05"
          aria-label="What-if temperature"
          .value=${String(s.temperature)}
          @input=${(e: Event) => set({ temperature: Number((e.target as HTMLInputElement).value) })}
      /></label>
      <label
        >Top-k <output data-testid="whatif-topk">${s.topK === 0 ? 'off' : s.topK}</output
        ><input
          type="range"
          min="0"
          max=${n}
          step="1"
          aria-label="What-if top-k"
          .value=${String(Math.min(s.topK, n))}
          @input=${(e: Event) => set({ topK: Number((e.target as HTMLInputElement).value) })}
      /></label>
      <label
        >Top-p
        <output data-testid="whatif-topp">${s.topP >= 1 ? 'off' : formatNumber(s.topP, 2)}</output
        ><input
          type="range"
          min="0.01"
          max="1"
          step="0.01"
          aria-label="What-if top-p"
          .value=${String(s.topP)}
          @input=${(e: Event) => set({ topP: Number((e.target as HTMLInputElement).value) })}
      /></label>
      <button
        class="small again"
        ?disabled=${!changed}
        @click=${() => (this.whatIf = null)}
        title="Back to the settings this token was drawn with"
      >
        The step's settings
      </button>
    </fieldset>`;
  }

  private renderStats(t: OutputToken, w: StepWhatIf) {
    return html`<dl class="stats">
      <div class="fig">
        <dt>Chosen rank</dt>
        <dd data-testid="microscope-rank">
          ${w.chosenRank ?? `> ${w.rows.length}`}
          <span class="sub">of ${w.rows.length}</span>
        </dd>
      </div>
      <div class="fig">
        <dt>Its probability</dt>
        <dd data-testid="microscope-chosen-prob">
          ${formatPercent(w.chosenProb)}
          <span class="sub">${this.whatIf ? `drawn at ${formatPercent(t.prob)}` : ''}</span>
        </dd>
      </div>
      <div class="fig">
        <dt>Entropy</dt>
        <dd data-testid="microscope-entropy">
          ${formatNumber(w.modelEntropy, 2)}
          <span class="sub">→ ${formatNumber(w.finalEntropy, 2)} bits</span>
        </dd>
      </div>
      <div class="fig">
        <dt>Can be drawn</dt>
        <dd data-testid="microscope-kept">
          ${w.kept} <span class="sub">token${w.kept === 1 ? '' : 's'}</span>
        </dd>
      </div>
    </dl>`;
  }

  private renderTable(t: OutputToken, w: StepWhatIf, s: WhatIfSettings) {
    const shown = w.rows.slice(0, Math.max(ROWS, (w.chosenRank ?? 0) + 0));
    const scale = Math.max(
      1e-9,
      ...shown.map((r) => Math.max(r.modelProb, r.tempProb, r.finalProb)),
    );
    const pct = (p: number) => `${((100 * p) / scale).toFixed(2)}%`;
    const cuts: { after: number; label: string }[] = [];
    if (w.topKCut !== null) cuts.push({ after: w.topKCut, label: `top-k = ${s.topK} cuts here` });
    if (w.topPCut !== null)
      cuts.push({ after: w.topPCut, label: `top-p = ${formatNumber(s.topP, 2)} cuts here` });
    if (s.temperature === 0) cuts.push({ after: 1, label: 'T = 0 (greedy): only the first' });
    const cutRow = (after: number) =>
      cuts
        .filter((c) => c.after === after)
        .map(
          (c) =>
            html`<tr class="cut" data-testid="microscope-cut">
              <td colspan="5">${c.label}</td>
            </tr>`,
        );
    const hidden = cuts.filter((c) => c.after >= shown.length);
    return html`<div class="keys" aria-hidden="true">
        <span><span class="bar b-model"></span>model (T = 1)</span>
        <span><span class="bar b-temp"></span>after temperature</span>
        <span><span class="bar b-final"></span>after top-k / top-p (drawn from)</span>
      </div>
      <table data-testid="microscope-table">
        <colgroup>
          <col class="rank" />
          <col class="token" />
          <col class="bars" />
          <col class="pct" />
          <col class="pct" />
        </colgroup>
        <thead>
          <tr>
            <th class="num" scope="col">#</th>
            <th scope="col">Token</th>
            <th scope="col"><span class="visually-hidden">Bars</span></th>
            <th class="num" scope="col">Model</th>
            <th class="num" scope="col">Drawn from</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (r, i) =>
              html`<tr
                  class="${r.id === t.id ? 'chosen' : ''} ${r.kept ? '' : 'out'}"
                  data-testid="microscope-row"
                  title="model ${formatPercent(r.modelProb)} · after temperature ${formatPercent(
                    r.tempProb,
                  )} · after top-k/top-p ${formatPercent(r.finalProb)}"
                >
                  <td class="num">${r.rank}</td>
                  <td class="t">${visibleToken(this.decode([r.id]))}</td>
                  <td class="bars" aria-hidden="true">
                    <span class="bar b-model" style="width:${pct(r.modelProb)}"></span>
                    <span class="bar b-temp" style="width:${pct(r.tempProb)}"></span>
                    <span class="bar b-final" style="width:${pct(r.finalProb)}"></span>
                  </td>
                  <td class="num">${formatPercent(r.modelProb)}</td>
                  <td class="num">${r.kept ? formatPercent(r.finalProb) : 'cut'}</td>
                </tr>
                ${cutRow(i + 1)}`,
          )}
        </tbody>
      </table>
      <p class="note">
        ${hidden.map((c) => html`${c.label.replace('cuts here', `cuts after rank ${c.after}`)}. `)}
        Over the ${w.rows.length} candidates the GPU kept for this step: they hold
        ${formatPercent(w.coverage)} of the model's probability; the rest of the vocabulary is not
        kept, so these shares are of the
        candidates.${w.chosenRank === null ? ' The chosen token is not among them.' : nothing}
      </p>`;
  }

  private go(i: number): void {
    if (i < 0 || i >= this.tokens.length) return;
    this.index = i;
    emit(this, 'token-select', { position: this.firstPosition + i });
  }
}

function sameSettings(a: WhatIfSettings, b: WhatIfSettings): boolean {
  return a.temperature === b.temperature && a.topK === b.topK && a.topP === b.topP;
}

declare global {
  interface HTMLElementTagNameMap {
    'step-microscope': StepMicroscope;
  }
}

import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { emit } from '../events.ts';
import { describeError } from '../format.ts';
import { sharedStyles } from '../shared-styles.ts';
import {
  ABLATION_MODES,
  ablationKey,
  describeAblation,
  headLabel,
  NO_ABLATION,
  parseScale,
  SCALE_SLIDER,
  withHead,
  type AblationMode,
  type AblationSettings,
} from './ablation.ts';
import type { InterventionSource, NextTokenComparison } from './intervention-source.ts';
import './next-token-compare-view.ts';

const MODE_LABELS: Record<AblationMode, string> = { zero: 'Zero', mean: 'Mean', scale: 'Scale' };
const MODE_HELP: Record<AblationMode, string> = {
  zero: "The head's output is set to 0 at every position.",
  mean: "The head's output is replaced by its mean over the prompt's positions.",
  scale: "The head's output is multiplied by the factor (0 = zero, 1 = unchanged).",
};
/** Tokens shown in each column of the comparison. */
const TOP_N = 10;

/**
 * Interventions on the model: the heads ablated (added here, from the attention panel's head
 * picker or from the all-heads grid), how (zero, mean, scale with a slider), and the next
 * token after the text on screen with and without them, side by side with their KL
 * divergence. Changes apply to the next run and every view; not while tokens stream, so each
 * token records the intervention it was drawn under.
 *
 * @fires ablation-change - new ablation settings
 */
@customElement('intervention-panel')
export class InterventionPanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      section {
        padding: 1rem 1.1rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 0.75rem;
        margin: 0 0 0.7rem;
      }
      .label {
        font-size: 0.8125rem;
        font-weight: 600;
      }
      .heads {
        display: flex;
        flex-wrap: wrap;
        gap: 0.35rem;
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .head-chip {
        font-family: var(--font-mono);
        border-color: var(--p-edge-4);
        background: var(--p-4);
      }
      .field {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        font-size: 0.8125rem;
      }
      .segmented label {
        min-height: 2rem;
      }
      input[type='text'] {
        width: 6rem;
        min-height: 2.25rem;
        padding: 0 0.6rem;
        font-size: 0.875rem;
      }
      input[type='range'] {
        width: 10rem;
      }
      .error {
        color: var(--danger);
        font-size: 0.8125rem;
      }
      .hint {
        font-size: 0.8125rem;
        margin: 0 0 0.7rem;
      }
      h3 {
        font-size: 0.875rem;
        margin: 1rem 0 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) source: InterventionSource | null = null;
  @property({ attribute: false }) ablation: AblationSettings = NO_ABLATION;
  @property({ type: Number }) nLayer = 0;
  @property({ type: Number }) nHead = 0;
  /** Tokens are streaming: the ablation cannot change and the comparison waits. */
  @property({ type: Boolean }) generating = false;
  /** Changes whenever the text on screen may have changed: the comparison is computed again. */
  @property({ attribute: false }) contextKey: unknown = null;

  @state() private addLayer = 0;
  @state() private addHead = 0;
  @state() private scaleText = '';
  @state() private scaleError = '';
  @state() private comparison: NextTokenComparison | null = null;
  @state() private comparing = false;
  @state() private compareError = '';

  /** Bumped whenever the comparison on screen may be out of date. */
  private wanted = 0;
  private fetched = -1;

  /** The comparison on screen (read-only; tests read it). */
  get currentComparison(): NextTokenComparison | null {
    return this.comparison;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('ablation')) this.scaleText = String(this.ablation.scale);
    const old = changed.get('ablation') as AblationSettings | undefined;
    if (
      changed.has('contextKey') ||
      changed.has('source') ||
      (changed.has('ablation') && (!old || ablationKey(old) !== ablationKey(this.ablation))) ||
      (changed.has('generating') && !this.generating)
    ) {
      this.wanted++;
      if (!this.ablation.heads.length) this.comparison = null;
    }
    if (changed.has('nLayer') || changed.has('nHead')) {
      this.addLayer = Math.min(this.addLayer, Math.max(0, this.nLayer - 1));
      this.addHead = Math.min(this.addHead, Math.max(0, this.nHead - 1));
    }
  }

  protected override updated(): void {
    void this.fetchComparison();
  }

  private async fetchComparison(): Promise<void> {
    if (this.comparing || this.generating || !this.source || this.fetched === this.wanted) return;
    if (!this.ablation.heads.length) {
      this.fetched = this.wanted;
      return;
    }
    const epoch = this.wanted;
    this.comparing = true;
    try {
      const r = await this.source.compare(TOP_N);
      if (epoch === this.wanted) {
        this.comparison = r;
        this.compareError = '';
      }
    } catch (e) {
      if (epoch === this.wanted) {
        this.comparison = null;
        this.compareError = describeError(e);
      }
    } finally {
      this.fetched = epoch;
      this.comparing = false;
    }
  }

  private change(a: AblationSettings): void {
    emit(this, 'ablation-change', a);
  }

  private setMode(mode: AblationMode): void {
    this.change({ ...this.ablation, mode });
  }

  private onScaleInput(raw: string, fromSlider: boolean): void {
    this.scaleText = raw;
    try {
      const scale = parseScale(raw);
      this.scaleError = '';
      this.change({ ...this.ablation, mode: 'scale', scale });
    } catch (e) {
      // The last valid factor stays in use; the box keeps what was typed, with the reason.
      if (!fromSlider) this.scaleError = (e as Error).message;
    }
  }

  override render() {
    const a = this.ablation;
    const disabled = this.generating || !this.nLayer;
    return html`<section class="panel card" aria-label="Interventions">
      <h2>Interventions</h2>
      <p class="hint muted">
        Switch heads off to see what they do: ablate one here, with the toggle beside the attention
        panel's head picker, or in its all-heads grid. Generation and every view then use the
        intervened model.
      </p>
      <div class="row">
        <span class="label" id="ablated-label">Ablated heads</span>
        ${
          a.heads.length
            ? html`<ul class="heads" aria-labelledby="ablated-label" data-testid="ablated-heads">
                  ${a.heads.map(
                    (h) =>
                      html`<li>
                        <button
                          class="small head-chip"
                          type="button"
                          ?disabled=${disabled}
                          aria-label=${`Stop ablating layer ${h.layer}, head ${h.head}`}
                          title="Stop ablating this head"
                          @click=${() => this.change(withHead(a, h.layer, h.head, false))}
                        >
                          ${headLabel(h)} <span aria-hidden="true">×</span>
                        </button>
                      </li>`,
                  )}
                </ul>
                <button
                  class="small ghost"
                  type="button"
                  ?disabled=${disabled}
                  @click=${() => this.change({ ...a, heads: [] })}
                >
                  Clear all
                </button>`
            : html`<span class="muted" data-testid="ablated-heads"
                >none: the model runs as loaded</span
              >`
        }
      </div>
      <div class="row">
        <label class="field"
          >Layer
          <select
            data-testid="ablate-layer"
            ?disabled=${disabled}
            @change=${(e: Event) => (this.addLayer = Number((e.target as HTMLSelectElement).value))}
          >
            ${range(this.nLayer).map(
              (l) => html`<option value=${l} ?selected=${l === this.addLayer}>${l}</option>`,
            )}
          </select></label
        >
        <label class="field"
          >Head
          <select
            data-testid="ablate-head"
            ?disabled=${disabled}
            @change=${(e: Event) => (this.addHead = Number((e.target as HTMLSelectElement).value))}
          >
            ${range(this.nHead).map(
              (h) => html`<option value=${h} ?selected=${h === this.addHead}>${h}</option>`,
            )}
          </select></label
        >
        <button
          class="small"
          type="button"
          data-testid="ablate-add"
          ?disabled=${disabled}
          @click=${() => this.change(withHead(a, this.addLayer, this.addHead, true))}
        >
          Ablate
        </button>
      </div>
      <div class="row">
        <fieldset class="segmented" ?disabled=${this.generating}>
          <legend class="visually-hidden">Ablation mode</legend>
          ${ABLATION_MODES.map(
            (m) =>
              html`<label title=${MODE_HELP[m]}
                ><input
                  type="radio"
                  name="ablation-mode"
                  value=${m}
                  .checked=${a.mode === m}
                  @change=${() => this.setMode(m)}
                />${MODE_LABELS[m]}</label
              >`,
          )}
        </fieldset>
        <label class="field"
          >Factor
          <input
            type="range"
            data-testid="ablate-scale-slider"
            min=${SCALE_SLIDER.min}
            max=${SCALE_SLIDER.max}
            step=${SCALE_SLIDER.step}
            .value=${String(Math.min(SCALE_SLIDER.max, Math.max(SCALE_SLIDER.min, a.scale)))}
            ?disabled=${this.generating}
            aria-label="Scale factor"
            @input=${(e: Event) => this.onScaleInput((e.target as HTMLInputElement).value, true)}
          />
          <input
            type="text"
            inputmode="decimal"
            data-testid="ablate-scale"
            .value=${this.scaleText}
            ?disabled=${this.generating}
            aria-label="Scale factor (any finite number)"
            aria-invalid=${this.scaleError ? 'true' : 'false'}
            aria-describedby="scale-error"
            @input=${(e: Event) => this.onScaleInput((e.target as HTMLInputElement).value, false)}
          />
        </label>
        <span class="error" id="scale-error" role=${this.scaleError ? 'alert' : nothing}
          >${this.scaleError}</span
        >
      </div>
      <p class="hint muted">${MODE_HELP[a.mode]}</p>
      ${this.comparisonSection()}
    </section>`;
  }

  private comparisonSection() {
    const a = this.ablation;
    if (!a.heads.length) return nothing;
    let status: string | null = null;
    if (this.compareError) status = this.compareError;
    else if (this.generating)
      status = 'Paused while tokens stream: compared when the text is done.';
    else if (this.comparing || this.fetched !== this.wanted) status = 'Computing both models…';
    else if (!this.comparison) status = 'Load a model to compare.';
    return html`<h3>Next token, with and without the intervention</h3>
      ${
        status
          ? html`<p
              class="hint ${this.compareError ? 'error' : 'muted'}"
              role=${this.compareError ? 'alert' : 'status'}
              data-testid="compare-status"
            >
              ${status}
            </p>`
          : nothing
      }
      <next-token-compare
        .comparison=${this.comparison}
        .label=${describeAblation(a)}
        .decode=${this.source?.decode ?? null}
      ></next-token-compare>`;
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

declare global {
  interface HTMLElementTagNameMap {
    'intervention-panel': InterventionPanel;
  }
}

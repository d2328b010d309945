import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { emit } from './events.ts';
import {
  DEFAULT_RUN_SETTINGS,
  FIELD_LABELS,
  MAX_NEW_TOKENS,
  MAX_TEMPERATURE,
  MAX_TOP_K,
  SettingsError,
  parseRunSettings,
  type RawRunSettings,
  type RunSettings,
} from './run-settings.ts';
import { sharedStyles } from './shared-styles.ts';

type Field = keyof RawRunSettings;
type Raw = Record<Field, string>;

interface FieldSpec {
  field: Field;
  label: string;
  help: string;
  /** Slider range (the number box may go beyond where the setting allows). */
  min: number;
  max: number;
  step: number;
  inputStep: string;
}

const FIELDS: readonly FieldSpec[] = [
  {
    field: 'temperature',
    label: 'Temperature',
    help: '0 = greedy (always the most likely token); above 1 flattens the distribution.',
    min: 0,
    max: MAX_TEMPERATURE,
    step: 0.05,
    inputStep: '0.01',
  },
  {
    field: 'topK',
    label: 'Top-k',
    help: `Keep only the k most likely tokens; 0 = off (up to ${MAX_TOP_K}, the vocabulary).`,
    min: 0,
    max: 100,
    step: 1,
    inputStep: '1',
  },
  {
    field: 'topP',
    label: 'Top-p',
    help: 'Keep the most likely tokens until their probability adds up to p; 1 = off.',
    min: 0.01,
    max: 1,
    step: 0.01,
    inputStep: '0.01',
  },
  {
    field: 'maxNewTokens',
    label: 'Max new tokens',
    help: `Tokens per Generate or Continue (1 to ${MAX_NEW_TOKENS}).`,
    min: 1,
    max: MAX_NEW_TOKENS,
    step: 1,
    inputStep: '1',
  },
];

function toRaw(s: RunSettings): Raw {
  return {
    temperature: String(s.sampling.temperature),
    topK: String(s.sampling.topK),
    topP: String(s.sampling.topP),
    seed: String(s.sampling.seed),
    maxNewTokens: String(s.maxNewTokens),
  };
}

/**
 * Temperature, top-k, top-p, max new tokens and seed. Every edit is parsed and range-checked
 * here, once (parseRunSettings); a valid set is sent up at once, so a change made while
 * tokens stream applies to the next token. Every invalid field says why beside it (each
 * checked on its own, so one blank field does not hide another's error), its slider keeps
 * the last valid value, and nothing is sent until all are fixed: the app is told what is
 * wrong instead, and blocks Generate with that reason.
 *
 * @fires settings-change - with the new RunSettings
 * @fires settings-problem - what is wrong with the fields (null once they are all valid)
 */
@customElement('sampling-controls')
export class SamplingControls extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .head {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
      }
      .field {
        margin-bottom: 1rem;
      }
      .row {
        display: grid;
        grid-template-columns: 1fr 5.25rem;
        gap: 0.75rem;
        align-items: center;
      }
      label {
        display: block;
        font-size: 0.875rem;
        font-weight: 600;
        margin-bottom: 0.2rem;
      }
      input[type='range'] {
        width: 100%;
        margin: 0;
      }
      input[type='number'] {
        width: 100%;
        font-variant-numeric: tabular-nums;
        text-align: right;
        padding-right: 0.35rem;
      }
      .help {
        font-size: 0.75rem;
        color: var(--text-muted);
        margin: 0.2rem 0 0;
      }
      .error {
        font-size: 0.75rem;
        color: var(--danger);
        margin: 0.25rem 0 0;
      }
      .seed {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.5rem;
      }
      .seed input {
        text-align: left;
      }
      .note {
        font-size: 0.75rem;
        color: var(--text-muted);
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) settings: RunSettings = DEFAULT_RUN_SETTINGS;
  @property({ type: Boolean }) generating = false;

  @state() private raw: Raw = toRaw(DEFAULT_RUN_SETTINGS);
  @state() private errors: Partial<Record<Field, string>> = {};

  /** The last settings sent up, so their echo does not overwrite what is being typed. */
  private sent: RunSettings | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('settings') && this.settings !== this.sent) {
      this.raw = toRaw(this.settings);
      if (Object.keys(this.errors).length) emit(this, 'settings-problem', { problem: null });
      this.errors = {};
    }
  }

  override render() {
    return html`
      <div class="head">
        <h2>Sampling</h2>
        <button class="small ghost" @click=${this.reset} title="Back to the default settings">
          Reset
        </button>
      </div>
      ${FIELDS.map((f) => this.renderField(f))}
      <div class="field">
        <label for="seed">Seed</label>
        <div class="seed">
          <input
            id="seed"
            type="number"
            min="0"
            max="4294967295"
            step="1"
            inputmode="numeric"
            .value=${this.raw.seed}
            aria-invalid=${this.errors.seed ? 'true' : 'false'}
            aria-describedby="seed-help"
            @input=${(e: Event) => this.edit('seed', (e.target as HTMLInputElement).value)}
          />
          <button
            class="small"
            title="Draw a new random seed"
            @click=${() => this.edit('seed', String(crypto.getRandomValues(new Uint32Array(1))[0]))}
          >
            New seed
          </button>
        </div>
        ${
          this.errors.seed
            ? html`<p class="error" id="seed-help" role="alert">${this.errors.seed}</p>`
            : html`<p class="help" id="seed-help">
                The same seed and settings give the same text.
              </p>`
        }
      </div>
      <p class="note" aria-live="polite">
        ${this.generating ? 'Changes apply from the next token.' : nothing}
      </p>
    `;
  }

  private renderField(f: FieldSpec) {
    const id = `f-${f.field}`;
    const error = this.errors[f.field];
    const value = this.raw[f.field];
    return html`<div class="field">
      <label for=${id}>${f.label}</label>
      <div class="row">
        <input
          type="range"
          aria-label="${f.label} slider"
          min=${f.min}
          max=${f.max}
          step=${f.step}
          .value=${live(error ? this.lastValid[f.field] : value)}
          @input=${(e: Event) => this.edit(f.field, (e.target as HTMLInputElement).value)}
        />
        <input
          id=${id}
          data-testid=${id}
          type="number"
          min=${f.min === 0.01 ? 0 : f.min}
          step=${f.inputStep}
          .value=${value}
          aria-invalid=${error ? 'true' : 'false'}
          aria-describedby="${id}-help"
          @input=${(e: Event) => this.edit(f.field, (e.target as HTMLInputElement).value)}
        />
      </div>
      ${
        error
          ? html`<p class="error" id="${id}-help" role="alert">${error}</p>`
          : html`<p class="help" id="${id}-help">${f.help}</p>`
      }
    </div>`;
  }

  /** The settings in use (the last valid ones), as field text: invalid fields' sliders. */
  private get lastValid(): Raw {
    return toRaw(this.sent ?? this.settings);
  }

  private edit(field: Field, value: string): void {
    this.raw = { ...this.raw, [field]: value };
    const errors = fieldErrors(this.raw);
    this.errors = errors;
    const wrong = Object.keys(errors) as Field[];
    if (wrong.length) {
      emit(this, 'settings-problem', {
        problem: `Fix ${wrong.map((f) => FIELD_LABELS[f]).join(', ')} first: ${errors[wrong[0]]}`,
      });
      return;
    }
    const parsed = parseRunSettings(this.raw);
    this.sent = parsed;
    emit(this, 'settings-problem', { problem: null });
    emit(this, 'settings-change', parsed);
  }

  private reset = (): void => {
    this.raw = toRaw(DEFAULT_RUN_SETTINGS);
    this.errors = {};
    this.sent = DEFAULT_RUN_SETTINGS;
    emit(this, 'settings-problem', { problem: null });
    emit(this, 'settings-change', DEFAULT_RUN_SETTINGS);
  };
}

/** Each field checked on its own (the others at their defaults): every error at once. */
function fieldErrors(raw: Raw): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  for (const [k, v] of Object.entries(raw) as [Field, string][]) {
    if (v.trim() === '') {
      errors[k] = 'Enter a value.';
      continue;
    }
    try {
      parseRunSettings({ [k]: v });
    } catch (e) {
      if (!(e instanceof SettingsError)) throw e;
      errors[e.field] = capitalize(e.message);
    }
  }
  return errors;
}

function capitalize(s: string): string {
  return s ? `${s[0].toUpperCase()}${s.slice(1)}.` : s;
}

declare global {
  interface HTMLElementTagNameMap {
    'sampling-controls': SamplingControls;
  }
}

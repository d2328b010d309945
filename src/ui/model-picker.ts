import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { DEFAULT_REVISION } from '../model/sources/index.ts';
import type { WeightStorage } from '../model/weights.ts';
import { emit } from './events.ts';
import {
  BUNDLED_SPEC,
  HUB_PRESETS,
  choiceSpec,
  hubChoice,
  parseModelChoice,
  type ModelChoice,
} from './model-choices.ts';
import { sharedStyles } from './shared-styles.ts';

type Mode = 'preset' | 'hub' | 'url' | 'files';

const OTHER_HUB = '__hub';
const OTHER_URL = '__url';
const LOCAL_FILES = '__files';

/**
 * Picks the model and the precision its weights are stored in: the GPT-2 family on the
 * hub, the bundled model, any hub repo id, a URL folder, or files from this computer (a
 * file chooser, a folder chooser; dropping files anywhere on the page is handled by the app).
 * The spec typed by the user is parsed here, and a mistake is shown beside the field.
 *
 * @fires model-load - with the choice and precision, when the user asks to load
 */
@customElement('model-picker')
export class ModelPicker extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
      }
      select {
        min-width: 13rem;
        max-width: 100%;
      }
      input[type='text'],
      input[type='url'] {
        width: 17rem;
        max-width: 100%;
      }
      .segmented label {
        min-height: calc(2.25rem - 2px);
        font-size: 0.8125rem;
      }
      .error {
        flex-basis: 100%;
        margin: 0;
        color: var(--danger);
        font-size: 0.8125rem;
      }
      .files {
        font-size: 0.8125rem;
        max-width: 14rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      input[type='file'] {
        display: none;
      }
    `,
  ];

  /** The model loaded or loading (shown as selected). */
  @property({ attribute: false }) current: ModelChoice | null = null;
  @property() storage: WeightStorage = 'f16';
  /** Disables the Load button (while WebGPU starts). */
  @property({ type: Boolean }) busy = false;

  @state() private selected: string = HUB_PRESETS[0].repo;
  @state() private text = '';
  @state() private files: File[] = [];
  @state() private error = '';

  @query('#file-input') private fileInput!: HTMLInputElement;
  @query('#folder-input') private folderInput!: HTMLInputElement;

  private syncedWith: ModelChoice | null = null;
  /**
   * The user is filling in another source (files, a repo id, a URL) and has not submitted
   * it yet: a load the app starts meanwhile (the start-up default) must not take the field
   * away from under them.
   */
  private choosing = false;

  protected override willUpdate(): void {
    // Follow the app's model (a link, a fallback, a drop) until the user picks another.
    if (this.current && this.current !== this.syncedWith && !this.choosing) {
      this.syncedWith = this.current;
      this.showChoice(this.current);
    }
  }

  private showChoice(choice: ModelChoice): void {
    this.error = '';
    switch (choice.kind) {
      case 'files':
        this.selected = LOCAL_FILES;
        this.files = [...choice.files];
        break;
      case 'bundled':
        this.selected = BUNDLED_SPEC;
        break;
      case 'hub':
        if (choice.revision === DEFAULT_REVISION && this.isPreset(choice.repo)) {
          this.selected = choice.repo;
        } else {
          this.selected = OTHER_HUB;
          this.text = (choiceSpec(choice) ?? '').replace(/^hf:/, '');
        }
        break;
      case 'url':
        this.selected = OTHER_URL;
        this.text = choice.url;
        break;
    }
  }

  private isPreset(key: string): boolean {
    return HUB_PRESETS.some((p) => p.repo === key);
  }

  private get mode(): Mode {
    if (this.selected === OTHER_HUB) return 'hub';
    if (this.selected === OTHER_URL) return 'url';
    if (this.selected === LOCAL_FILES) return 'files';
    return 'preset';
  }

  override render() {
    const mode = this.mode;
    return html`
      <form @submit=${this.onSubmit} aria-label="Model">
        <label class="visually-hidden" for="model">Model</label>
        <select id="model" .value=${this.selected} @change=${this.onSelect}>
          <optgroup label="Hugging Face hub">
            ${HUB_PRESETS.map(
              (p) =>
                html`<option value=${p.repo} ?selected=${p.repo === this.selected}>
                  ${p.label} · ${p.params} · ${p.download}
                </option>`,
            )}
          </optgroup>
          <optgroup label="Bundled with the app">
            <option value=${BUNDLED_SPEC} ?selected=${this.selected === BUNDLED_SPEC}>
              tiny-trained · no download
            </option>
          </optgroup>
          <optgroup label="Other">
            <option value=${OTHER_HUB} ?selected=${mode === 'hub'}>Hub repo id…</option>
            <option value=${OTHER_URL} ?selected=${mode === 'url'}>URL of a model folder…</option>
            <option value=${LOCAL_FILES} ?selected=${mode === 'files'}>
              Files on this computer…
            </option>
          </optgroup>
        </select>
        ${mode === 'hub' || mode === 'url' ? this.renderSpecField(mode) : nothing}
        ${mode === 'files' ? this.renderFiles() : nothing}
        <fieldset class="segmented" role="radiogroup" aria-label="Weight precision">
          ${(['f16', 'f32'] as const).map(
            (s) =>
              html`<label
                title=${
                  s === 'f16'
                    ? 'Weights stored as 16-bit floats: half the memory and bandwidth'
                    : 'Weights stored as 32-bit floats: exact, twice the memory'
                }
                ><input
                  type="radio"
                  name="precision"
                  value=${s}
                  .checked=${this.storage === s}
                  @change=${() => (this.storage = s)}
                />${s}</label
              >`,
          )}
        </fieldset>
        <button class="primary" type="submit" ?disabled=${this.busy}>Load</button>
        ${
          this.error
            ? html`<p class="error" role="alert" id="model-error">${this.error}</p>`
            : nothing
        }
      </form>
    `;
  }

  private renderSpecField(mode: 'hub' | 'url') {
    return html`<label class="visually-hidden" for="spec"
        >${mode === 'hub' ? 'Hub repo id' : 'Model folder URL'}</label
      ><input
        id="spec"
        type=${mode === 'hub' ? 'text' : 'url'}
        spellcheck="false"
        autocomplete="off"
        placeholder=${mode === 'hub' ? 'owner/name, e.g. openai-community/gpt2' : 'https://…/folder'}
        .value=${this.text}
        aria-invalid=${this.error ? 'true' : 'false'}
        aria-describedby=${this.error ? 'model-error' : nothing}
        @input=${(e: Event) => {
          this.text = (e.target as HTMLInputElement).value;
          this.error = '';
        }}
      />`;
  }

  private renderFiles() {
    const weights = this.files.find((f) => f.name.endsWith('.safetensors'));
    return html`<button type="button" @click=${() => this.folderInput.click()}>
        Choose folder…
      </button>
      <button type="button" @click=${() => this.fileInput.click()}>Choose files…</button>
      <span class="files muted" aria-live="polite"
        >${
          this.files.length
            ? `${this.files.length} file${this.files.length === 1 ? '' : 's'}${weights ? ` · ${weights.name}` : ''}`
            : 'or drop them on the page'
        }</span
      >
      <input
        id="file-input"
        type="file"
        multiple
        accept=".json,.safetensors"
        @change=${this.onFiles}
      />
      <input id="folder-input" type="file" webkitdirectory @change=${this.onFiles} />`;
  }

  private onSelect(e: Event): void {
    const value = (e.target as HTMLSelectElement).value;
    const wasMode = this.mode;
    this.selected = value;
    this.error = '';
    this.choosing = this.mode !== 'preset';
    if (this.mode !== wasMode && (this.mode === 'hub' || this.mode === 'url')) {
      this.text = '';
      void this.updateComplete.then(() =>
        this.renderRoot.querySelector<HTMLInputElement>('#spec')?.focus(),
      );
    }
  }

  private onFiles(e: Event): void {
    const input = e.target as HTMLInputElement;
    this.files = Array.from(input.files ?? []);
    input.value = '';
    this.error = '';
    if (this.files.length) this.submit();
  }

  private onSubmit(e: Event): void {
    e.preventDefault();
    this.submit();
  }

  private submit(): void {
    let choice: ModelChoice;
    try {
      choice = this.choice();
    } catch (e) {
      this.error = (e as Error).message;
      return;
    }
    this.syncedWith = choice;
    this.choosing = false;
    emit(this, 'model-load', { choice, storage: this.storage });
  }

  private choice(): ModelChoice {
    switch (this.mode) {
      case 'preset':
        return this.selected === BUNDLED_SPEC ? { kind: 'bundled' } : hubChoice(this.selected);
      case 'files':
        if (!this.files.length) {
          throw new Error('Choose the model folder (or its config.json and model.safetensors).');
        }
        return { kind: 'files', files: this.files };
      case 'hub':
      case 'url': {
        const text = this.text.trim();
        if (!text) {
          throw new Error(
            this.mode === 'hub'
              ? 'Type a repo id such as openai-community/gpt2.'
              : 'Type the URL of a folder holding config.json and model.safetensors.',
          );
        }
        // In the repo-id field a bare id is checked strictly, so a typo gets the precise reason.
        const spec = this.mode === 'hub' && !/^(hf:|https?:\/\/)/i.test(text) ? `hf:${text}` : text;
        return parseModelChoice(spec, location.href);
      }
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'model-picker': ModelPicker;
  }
}

import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { emit } from '../events.ts';
import { describeError, formatPercent, inlineToken, visibleToken } from '../format.ts';
import { ProgressiveCount } from '../progressive-count.ts';
import { sharedStyles } from '../shared-styles.ts';
import { ThemeController } from '../theme-controller.ts';
import { attentionRow, strongest } from './attention-row.ts';
import { attentionTextStyles } from './attention-text.styles.ts';
import { currentTheme, palette, scalePosition } from './colour-scale.ts';
import type { AttentionMap, InspectorSource } from './inspector-source.ts';

/** The head select's value for the mean of the layer's heads. */
const MEAN = -1;

/**
 * Attention on the text itself: pick a token and the prompt and output are shaded by where
 * it attends, for one head or the mean of a layer's heads, as the head view of attention
 * visualisers does, so nobody has to map grid coordinates back to words. Tokens after the
 * picked one are greyed (a token cannot look ahead). Click any token to pick it; arrow keys
 * move the pick.
 *
 * @fires token-select - a token was picked: its position in the context
 */
@customElement('attention-text')
export class AttentionText extends LitElement {
  static override styles = [sharedStyles, attentionTextStyles];

  @property({ attribute: false }) source: InspectorSource | null = null;
  @property({ type: Number }) nLayer = 0;
  @property({ type: Number }) nHead = 0;
  @property({ type: Boolean }) generating = false;
  /** Changes whenever the context may have changed: maps are fetched again. */
  @property({ attribute: false }) contextKey: unknown = null;
  /** Tokens before this position are the prompt (shown in the same text, marked). */
  @property({ type: Number }) promptLength = 0;
  /** A token picked elsewhere (an output chip, the heatmap), as a context position. */
  @property({ attribute: false }) selectedPosition: number | null = null;

  @state() private layer = 0;
  /** A head, or MEAN. */
  @state() private head = MEAN;
  @state() private maps: AttentionMap[] = [];
  /** Which layer and head (or MEAN) `maps` are: the selects may be ahead of them. */
  @state() private shown = { layer: 0, head: MEAN };
  @state() private picked: number | null = null;
  @state() private status = '';

  private fetchId = 0;

  constructor() {
    super();
    // The shading is computed from the palette: a theme switch repaints it.
    new ThemeController(this);
  }

  private texts: string[] = [];
  /** A long text is built a few hundred tokens per task (see ProgressiveCount). */
  private readonly progress = new ProgressiveCount(256, () => this.requestUpdate());
  private textIds: readonly number[] = [];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.progress.dispose();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('nLayer') || changed.has('nHead')) {
      this.layer = Math.min(this.layer, Math.max(0, this.nLayer - 1));
      if (this.head >= this.nHead) this.head = MEAN;
    }
    if (changed.has('selectedPosition')) this.picked = this.selectedPosition;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (
      changed.has('contextKey') ||
      changed.has('source') ||
      changed.has('nLayer') ||
      changed.has('nHead') ||
      (changed.has('generating') && !this.generating)
    ) {
      void this.fetch();
    }
  }

  /** The maps the view needs (every head of the layer for the mean), one after another. */
  private async fetch(): Promise<void> {
    const id = ++this.fetchId;
    const source = this.source;
    if (!source || !this.nLayer || this.generating) return;
    const choice = this.head;
    const heads = choice === MEAN ? range(this.nHead) : [choice];
    const layer = this.layer;
    this.status = 'Computing…';
    const maps: AttentionMap[] = [];
    try {
      for (const h of heads) {
        const m = await source.attention(layer, h);
        if (id !== this.fetchId) return;
        if (!m) {
          this.maps = [];
          this.status = this.generating ? '' : 'Generate some text to see where its tokens look.';
          return;
        }
        maps.push(m);
      }
    } catch (e) {
      if (id === this.fetchId) {
        this.maps = [];
        this.status = `The attention could not be computed: ${describeError(e)}`;
      }
      return;
    }
    if (id !== this.fetchId) return;
    // The maps of one layer share the context; mixed sizes mean it changed meanwhile.
    if (maps.some((m) => m.n !== maps[0].n)) return void this.fetch();
    this.maps = maps;
    this.shown = { layer, head: choice };
    this.status = '';
    const ids = maps[0].ids;
    if (ids !== this.textIds) {
      this.textIds = ids;
      this.texts = ids.map((t) => source.decode([t]));
    }
  }

  override render() {
    const n = this.maps[0]?.n ?? 0;
    const row = n ? Math.min(this.picked ?? n - 1, n - 1) : null;
    const weights = row !== null ? attentionRow(this.maps, row) : null;
    return html`<div class="head">
        <h2 id="att-text-title">Attention on the text</h2>
        <div class="controls">
          <label
            >Layer
            <select
              data-testid="att-text-layer"
              @change=${(e: Event) => this.choose(Number((e.target as HTMLSelectElement).value), this.head)}
            >
              ${range(this.nLayer).map(
                (l) => html`<option value=${l} ?selected=${l === this.layer}>${l}</option>`,
              )}
            </select></label
          >
          <label
            >Head
            <select
              data-testid="att-text-head"
              @change=${(e: Event) => this.choose(this.layer, Number((e.target as HTMLSelectElement).value))}
            >
              <option value=${MEAN} ?selected=${this.head === MEAN}>mean of the layer</option>
              ${range(this.nHead).map(
                (h) => html`<option value=${h} ?selected=${h === this.head}>${h}</option>`,
              )}
            </select></label
          >
        </div>
      </div>
      ${
        weights && row !== null
          ? this.renderText(weights, row)
          : html`<p class="status" data-testid="att-text-status">
              ${this.status || 'Generate some text to see where its tokens look.'}
            </p>`
      }`;
  }

  private renderText(weights: Float64Array, row: number) {
    const pal = palette(currentTheme());
    const top = strongest(weights, 3);
    const { layer, head } = this.shown;
    const which =
      head === MEAN
        ? `the mean of layer ${layer}'s ${this.nHead} heads`
        : `layer ${layer}, head ${head}`;
    return html`<div
        class="text"
        role="group"
        aria-labelledby="att-text-title"
        data-testid="att-text"
        @keydown=${this.onKeyDown}
      >
        ${this.texts.slice(0, this.progress.shown(this.texts, this.texts.length)).map((text, j) => {
          const w = weights[j];
          const t = j <= row ? scalePosition('sqrt', w) : 0;
          const { label, breaks } = inlineToken(text);
          const style = j <= row ? `background:${pal.css(t)};color:${pal.textOn(t)}` : '';
          return html`<button
              class="t ${j > row ? 'ahead' : ''} ${j === row ? 'picked' : ''} ${
                j < this.promptLength ? 'prompt' : ''
              }"
              data-position=${j}
              data-weight=${j <= row ? w.toFixed(6) : ''}
              tabindex=${j === row ? 0 : -1}
              aria-pressed=${j === row ? 'true' : 'false'}
              aria-label="${visibleToken(text)}${
                j <= row ? `, ${formatPercent(w)} of the attention` : ', after the picked token'
              }"
              style=${style}
              @click=${() => this.pick(j)}
              .textContent=${label}
            ></button
            >${breaks ? Array.from({ length: breaks }, () => html`<br />`) : nothing}`;
        })}
      </div>
      <div class="legend">
        <span
          >Where <span class="mono">${visibleToken(this.texts[row] ?? '')}</span> (token ${row + 1})
          looks, by ${which}:</span
        >
        <span class="ramp" style="background:${pal.gradient}" aria-hidden="true"></span>
        <span>0 → all of it (square-root scale)</span>
      </div>
      <div class="status" data-testid="att-text-top">
        Most attended:
        <ol class="top">
          ${top.map(
            (j) =>
              html`<li>
                <span class="mono">${visibleToken(this.texts[j])}</span>
                ${formatPercent(weights[j])}
              </li>`,
          )}
        </ol>
      </div>`;
  }

  private choose(layer: number, head: number): void {
    this.layer = layer;
    this.head = head;
    void this.fetch();
  }

  private pick(j: number): void {
    this.picked = j;
    emit(this, 'token-select', { position: j });
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLButtonElement>(`.t[data-position="${j}"]`)?.focus(),
    );
  }

  private onKeyDown(e: KeyboardEvent): void {
    const n = this.maps[0]?.n ?? 0;
    if (!n) return;
    const row = Math.min(this.picked ?? n - 1, n - 1);
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = Math.min(n - 1, row + 1);
    else if (e.key === 'ArrowLeft') next = Math.max(0, row - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    if (next === null) return;
    e.preventDefault();
    this.pick(next);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-text': AttentionText;
  }
}

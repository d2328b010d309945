import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, queryAll, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import { paintPixels, type Thumb } from './attention-data.ts';
import { currentTheme, palette, type ScaleKind } from './colour-scale.ts';
import { emit } from '../events.ts';
import { sharedStyles } from '../shared-styles.ts';
import { ThemeController } from '../theme-controller.ts';

/** One small map of the grid; `thumb` is null while it is being computed. */
export interface GridItem {
  layer: number;
  head: number;
  thumb: Thumb | null;
  /** The head is ablated (an intervention): marked, and its toggle shows pressed. */
  ablated?: boolean;
  /** Role badges (short names, data-role = the role) and the scores, for the tooltip. */
  roles?: readonly { role: string; badge: string }[];
  roleScores?: string;
}

/**
 * Small attention maps side by side, to spot patterns at a glance: the heads of one layer,
 * or every layer x head (rows = layers, columns = heads, with labels). Each map is a button
 * (clicking or Enter selects it); one tab stop for the whole grid, arrow keys move between
 * maps (Home / End to the first / last). Thumbnails are pooled maps (block maxima) painted
 * into small canvases. With `toggles`, each map has an ablate toggle in its corner (the key A
 * toggles the focused map's head), and ablated heads are marked.
 *
 * @fires attention-select - with the layer and head of the map chosen
 * @fires head-ablate - (with `toggles`) a head's ablate toggle was pressed
 */
@customElement('attention-grid')
export class AttentionGrid extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      .grid {
        display: grid;
        gap: var(--grid-gap, 0.4rem);
        align-items: center;
        justify-items: center;
        justify-content: start;
        overflow-x: auto;
        padding: 2px;
      }
      .head {
        font-size: 0.6875rem;
        font-weight: 600;
        color: var(--text-muted);
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      .thumb {
        display: grid;
        justify-items: center;
        gap: 0.2rem;
        min-height: 0;
        padding: 3px;
        border-radius: var(--radius-small);
        border: 1px solid var(--border);
        background: var(--surface-2);
        font-size: 0.6875rem;
        font-weight: 550;
        color: var(--text-muted);
      }
      .thumb:hover:not(:disabled) {
        border-color: var(--accent);
        background: var(--surface-2);
      }
      .thumb[aria-pressed='true'] {
        border-color: var(--accent);
        box-shadow: 0 0 0 2px var(--accent);
        color: var(--text);
      }
      canvas {
        display: block;
        image-rendering: pixelated;
        border-radius: 3px;
        background: var(--surface);
      }
      .pending canvas {
        animation: pulse 1.2s ease-in-out infinite;
      }
      .cell {
        position: relative;
      }
      .roles {
        display: flex;
        gap: 2px;
        justify-content: center;
      }
      .role {
        font-size: 0.5625rem;
        font-weight: 700;
        line-height: 1.2;
        padding: 0 3px;
        border-radius: 3px;
        background: var(--accent-soft);
        color: var(--text);
      }
      .thumb.ablated {
        border: 1px dashed var(--p-edge-4);
        background: var(--p-4);
      }
      .thumb.ablated canvas {
        opacity: 0.55;
      }
      .toggle {
        position: absolute;
        top: -4px;
        right: -4px;
        min-height: 0;
        width: 1.05rem;
        height: 1.05rem;
        padding: 0;
        border-radius: 50%;
        font-size: 0.625rem;
        line-height: 1;
        opacity: 0.7;
      }
      .cell:hover .toggle,
      .toggle[aria-pressed='true'] {
        opacity: 1;
      }
      .toggle[aria-pressed='true'] {
        background: var(--p-edge-4);
        border-color: var(--p-edge-4);
        color: var(--surface);
      }
      @keyframes pulse {
        50% {
          opacity: 0.45;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .pending canvas {
          animation: none;
        }
      }
    `,
  ];

  constructor() {
    super();
    // Colours come from the palette of the page's theme: a switch repaints them.
    new ThemeController(this);
  }

  @property({ attribute: false }) items: readonly GridItem[] = [];
  /** Maps per row of the grid. */
  @property({ type: Number }) columns = 4;
  /** Side of each small map in CSS pixels. */
  @property({ type: Number }) size = 64;
  @property({ attribute: false }) selected: { layer: number; head: number } | null = null;
  @property() scale: ScaleKind = 'sqrt';
  /** Header over each column (the overview's heads), none when empty. */
  @property({ attribute: false }) columnLabels: readonly string[] = [];
  /** Label before each row (the overview's layers), none when empty. */
  @property({ attribute: false }) rowLabels: readonly string[] = [];
  /** Captions under each map (the layer grid's "head 3"); none when false. */
  @property({ type: Boolean }) captions = false;
  /** Names the group for assistive technology. */
  @property() label = 'Attention maps';
  /** Each map gets an ablate toggle (off while tokens stream: `togglesDisabled`). */
  @property({ type: Boolean }) toggles = false;
  @property({ type: Boolean }) togglesDisabled = false;

  /** Index of the map that holds the grid's one tab stop. */
  @state() private focusIndex = 0;

  @queryAll('canvas') private canvases!: NodeListOf<HTMLCanvasElement>;
  /** What each canvas shows, so only changed thumbnails are repainted. */
  private painted = new WeakMap<HTMLCanvasElement, string>();
  private thumbIds = new WeakMap<Thumb, number>();
  private nextThumbId = 1;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('selected') || changed.has('items')) {
      const i = this.indexOf(this.selected);
      if (i >= 0) this.focusIndex = i;
      else if (this.focusIndex >= this.items.length) this.focusIndex = 0;
    }
  }

  protected override updated(): void {
    const pal = palette(currentTheme());
    this.canvases.forEach((canvas) => {
      const i = Number(canvas.dataset.index);
      const thumb = this.items[i]?.thumb ?? null;
      const key = thumb ? `${this.idOf(thumb)}:${this.scale}:${pal.theme}` : 'empty';
      if (this.painted.get(canvas) === key) return;
      this.painted.set(canvas, key);
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      if (!thumb || thumb.size === 0) {
        canvas.width = 1;
        canvas.height = 1;
        ctx.clearRect(0, 0, 1, 1);
        return;
      }
      canvas.width = thumb.size;
      canvas.height = thumb.size;
      const pixels = paintPixels(thumb.data, this.scale, pal);
      ctx.putImageData(new ImageData(pixels, thumb.size, thumb.size), 0, 0);
    });
  }

  override render() {
    const hasRowLabels = this.rowLabels.length > 0;
    const template = `${hasRowLabels ? 'auto ' : ''}repeat(${this.columns}, auto)`;
    return html`<div
      class="grid"
      role="group"
      aria-label=${this.label}
      style=${styleMap({ gridTemplateColumns: template })}
      @keydown=${this.onKeyDown}
    >
      ${
        this.columnLabels.length
          ? html`${hasRowLabels ? html`<span></span>` : nothing}
            ${this.columnLabels.map((l) => html`<span class="head" aria-hidden="true">${l}</span>`)}`
          : nothing
      }
      ${repeat(
        this.items,
        (it) => `${it.layer}:${it.head}`,
        (it, i) =>
          html`${
            hasRowLabels && i % this.columns === 0
              ? html`<span class="head" aria-hidden="true"
                  >${this.rowLabels[i / this.columns]}</span
                >`
              : nothing
          }
          ${this.toggles ? html`<div class="cell">${this.thumbButton(it, i)}${this.toggle(it)}</div>` : this.thumbButton(it, i)}`,
      )}
    </div>`;
  }

  private thumbButton(it: GridItem, i: number) {
    const ablated = `${it.ablated ? ', ablated' : ''}${it.roles?.length ? `, ${it.roles.map((r) => r.role).join(', ')}` : ''}`;
    const scores = it.roleScores ? ` (${it.roleScores})` : '';
    return html`<button
      type="button"
      class="thumb ${it.thumb ? '' : 'pending'} ${it.ablated ? 'ablated' : ''}"
      tabindex=${i === this.focusIndex ? 0 : -1}
      aria-pressed=${this.isSelected(it) ? 'true' : 'false'}
      aria-label=${`Layer ${it.layer}, head ${it.head}${ablated}${it.thumb ? '' : ' (computing)'}`}
      title=${`Layer ${it.layer}, head ${it.head}${ablated}${scores}${this.toggles ? ' · A: ablate or restore' : ''}`}
      data-testid="attention-thumb"
      data-layer=${it.layer}
      data-head=${it.head}
      @click=${() => this.choose(i)}
      @focus=${() => (this.focusIndex = i)}
    >
      <canvas
        data-index=${i}
        style=${styleMap({ width: `${this.size}px`, height: `${this.size}px` })}
      ></canvas>
      ${this.captions ? html`<span>head ${it.head}</span>` : nothing}
      ${
        it.roles?.length
          ? html`<span class="roles"
              >${it.roles.map((r) => html`<span class="role" data-role=${r.role}>${r.badge}</span>`)}</span
            >`
          : nothing
      }
    </button>`;
  }

  private toggle(it: GridItem) {
    const on = it.ablated === true;
    return html`<button
      type="button"
      class="toggle"
      tabindex="-1"
      data-testid="ablate-thumb"
      data-layer=${it.layer}
      data-head=${it.head}
      aria-pressed=${on ? 'true' : 'false'}
      aria-label=${`Ablate layer ${it.layer}, head ${it.head}`}
      title=${on ? 'Ablated: click to restore this head' : 'Ablate this head'}
      ?disabled=${this.togglesDisabled}
      @click=${() => this.flip(it)}
    >
      ⊘
    </button>`;
  }

  private flip(it: GridItem): void {
    if (this.togglesDisabled) return;
    emit(this, 'head-ablate', { layer: it.layer, head: it.head, ablated: !it.ablated });
  }

  private idOf(t: Thumb): number {
    let id = this.thumbIds.get(t);
    if (id === undefined) {
      id = this.nextThumbId++;
      this.thumbIds.set(t, id);
    }
    return id;
  }

  private isSelected(it: GridItem): boolean {
    return this.selected?.layer === it.layer && this.selected.head === it.head;
  }

  private indexOf(sel: { layer: number; head: number } | null): number {
    if (!sel) return -1;
    return this.items.findIndex((it) => it.layer === sel.layer && it.head === sel.head);
  }

  private choose(i: number): void {
    const it = this.items[i];
    if (!it) return;
    this.focusIndex = i;
    emit(this, 'attention-select', { layer: it.layer, head: it.head });
  }

  private onKeyDown = (e: KeyboardEvent): void => {
    const n = this.items.length;
    if (!n) return;
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      ArrowUp: -this.columns,
      ArrowDown: this.columns,
    };
    if (this.toggles && (e.key === 'a' || e.key === 'A') && !e.ctrlKey && !e.metaKey) {
      const it = this.items[this.focusIndex];
      if (it) {
        e.preventDefault();
        this.flip(it);
      }
      return;
    }
    let next: number;
    if (e.key in moves) next = this.focusIndex + moves[e.key];
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else return;
    e.preventDefault();
    next = Math.max(0, Math.min(n - 1, next));
    this.focusIndex = next;
    void this.updateComplete.then(() => {
      this.renderRoot.querySelectorAll<HTMLButtonElement>('button.thumb')[next]?.focus();
    });
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-grid': AttentionGrid;
  }
}

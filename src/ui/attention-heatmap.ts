import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { formatProb, paintPixels, poolWindow } from './attention-data.ts';
import {
  currentTheme,
  palette,
  SCALE_LABELS,
  scaleTicks,
  type Palette,
  type ScaleKind,
} from './colour-scale.ts';
import { emitInspector } from './inspector-events.ts';
import { sharedStyles } from './shared-styles.ts';

/** Fewest positions a zoomed view shows. */
const MIN_VISIBLE = 8;
/** Largest side of the plot in CSS pixels. */
const MAX_PLOT = 760;
/** Cells at least this many CSS pixels wide get a text label; smaller ones get tick numbers. */
const MIN_LABEL_CELL = 9;
const LABEL_FONT_PX = 11;

interface Cell {
  row: number;
  col: number;
}

interface Layout {
  /** Canvas size in CSS pixels. */
  width: number;
  height: number;
  /** Plot origin and side. */
  left: number;
  top: number;
  plot: number;
  /** CSS pixels per cell. */
  cell: number;
}

/**
 * One head's attention map as a heatmap on a canvas: row i is where token i attends (its
 * query), column j the token attended to (its key), on the colour scale shown in the legend.
 * Token labels on both axes when cells are wide enough, position ticks otherwise. The value
 * under the pointer (or the keyboard cursor) is read out above the map.
 *
 * Long contexts stay fast: the visible window is pooled into at most one image pixel per
 * device pixel (block maxima, so a one-token-wide pattern stays visible) and drawn as one
 * ImageData; zoom (buttons, Ctrl+wheel, + and -) and pan (drag, wheel, arrows) reach the
 * cells themselves. Never one DOM node per cell.
 *
 * Keyboard: focus the map, arrows move the cursor cell (PageUp/PageDown by a screen, Home
 * to the first column, End to the diagonal), Enter selects the cursor's row token, Escape
 * clears the selection, + / - zoom, 0 fits the whole map.
 *
 * Token labels are model output: drawn with fillText, never parsed as markup.
 *
 * @fires token-select - a row (or column) token was clicked or chosen with Enter; Escape
 *   fires it with position null
 */
@customElement('attention-heatmap')
export class AttentionHeatmap extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem 1rem;
        margin-bottom: 0.5rem;
      }
      .readout {
        flex: 1 1 16rem;
        min-width: 0;
        min-height: 1.5rem;
        font-size: 0.8125rem;
        font-variant-numeric: tabular-nums;
        overflow-wrap: anywhere;
      }
      .readout .tok {
        font-family: var(--font-mono);
        white-space: pre-wrap;
        background: var(--surface-2);
        border-radius: 4px;
        padding: 0 0.25rem;
      }
      .readout .p {
        font-weight: 650;
      }
      .zoom {
        display: inline-flex;
        align-items: center;
        gap: 0.25rem;
        font-size: 0.75rem;
      }
      .zoom .level {
        min-width: 4.5rem;
        text-align: center;
        color: var(--text-muted);
        font-variant-numeric: tabular-nums;
      }
      .stage {
        position: relative;
        width: 100%;
      }
      canvas {
        display: block;
        touch-action: none;
        border-radius: var(--radius-small);
        cursor: crosshair;
      }
      canvas.panning {
        cursor: grabbing;
      }
      .legend {
        display: grid;
        grid-template-columns: auto minmax(8rem, 22rem);
        align-items: center;
        gap: 0.75rem;
        margin-top: 0.6rem;
        font-size: 0.75rem;
        color: var(--text-muted);
      }
      .scale {
        position: relative;
        padding-bottom: 1.1rem;
      }
      .gradient {
        height: 0.65rem;
        border-radius: 999px;
        border: 1px solid var(--border);
      }
      .tick {
        position: absolute;
        top: 0.85rem;
        transform: translateX(-50%);
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      .tick:first-of-type {
        transform: none;
      }
      .tick:last-of-type {
        transform: translateX(-100%);
      }
      .note {
        font-size: 0.75rem;
        color: var(--text-muted);
      }
    `,
  ];

  /** The map: [n, n] row-major, zeros above the diagonal. */
  @property({ attribute: false }) map: { n: number; probs: Float32Array } | null = null;
  /** Visible text of each position's token (whitespace already made visible). */
  @property({ attribute: false }) labels: readonly string[] = [];
  @property() scale: ScaleKind = 'sqrt';
  /** The selected token (its row is outlined), or null. */
  @property({ attribute: false }) selected: number | null = null;
  /** What the map shows, for assistive technology ("Layer 2, head 5"). */
  @property() caption = 'Attention map';

  /** Positions visible along each axis; first visible row and column. */
  @state() private count = 0;
  @state() private r0 = 0;
  @state() private c0 = 0;
  @state() private hover: Cell | null = null;
  @state() private cursor: Cell | null = null;
  @state() private focused = false;

  @query('canvas') private canvas!: HTMLCanvasElement;
  @query('.stage') private stage!: HTMLElement;

  private resizeObserver: ResizeObserver | null = null;
  private stageWidth = 0;
  private layout: Layout | null = null;
  private frame = 0;
  /** The pooled window as an image, rebuilt only when the window, map, scale or size change. */
  private image: { key: string; canvas: HTMLCanvasElement } | null = null;
  private drag: { x: number; y: number; r0: number; c0: number; moved: boolean } | null = null;
  private labelWidth = 0;
  private themeQuery: MediaQueryList | null = null;

  /** The map on screen (read-only; tests compare it with the engine's numbers). */
  get data(): { n: number; probs: Float32Array } | null {
    return this.map;
  }

  /**
   * Where cell (row, col) is drawn, in viewport coordinates (its centre), or null when it is
   * outside the visible window (tests point at cells with it).
   */
  cellCenter(row: number, col: number): { x: number; y: number } | null {
    const L = this.layout;
    if (!L || !this.canvas) return null;
    const r = row - this.r0;
    const c = col - this.c0;
    if (r < 0 || c < 0 || r >= this.count || c >= this.count) return null;
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + L.left + (c + 0.5) * L.cell, y: rect.top + L.top + (r + 0.5) * L.cell };
  }

  /** The window on screen: first row and column, positions per axis. */
  get view(): { r0: number; c0: number; count: number } {
    return { r0: this.r0, c0: this.c0, count: this.count };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.themeQuery =
      typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    this.themeQuery?.addEventListener('change', this.onThemeChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    this.themeQuery?.removeEventListener('change', this.onThemeChange);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  protected override firstUpdated(): void {
    this.resizeObserver = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0].contentRect.width);
      if (w !== this.stageWidth) {
        this.stageWidth = w;
        this.scheduleDraw();
      }
    });
    this.resizeObserver.observe(this.stage);
    this.stageWidth = Math.floor(this.stage.getBoundingClientRect().width);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('map')) {
      const n = this.map?.n ?? 0;
      const old = changed.get('map') as { n: number } | null | undefined;
      // A new map of the same context keeps the view (switching heads); another context fits.
      if (!old || old.n !== n) {
        this.count = n;
        this.r0 = 0;
        this.c0 = 0;
        this.cursor = null;
      }
      this.hover = null;
    }
    if (changed.has('map') || changed.has('labels')) this.labelWidth = 0;
    if (changed.has('selected') && this.selected !== null && this.map) {
      // Bring the selected row into view when zoomed in.
      this.ensureVisible({ row: this.selected, col: Math.min(this.selected, this.c0) });
    }
  }

  protected override updated(): void {
    this.scheduleDraw();
  }

  override render() {
    const n = this.map?.n ?? 0;
    const pal = palette();
    const aggregated = this.layout && n > 0 && this.count > this.layout.plot * devicePixelRatio;
    return html`
      <div class="bar">
        <div class="readout" data-testid="heatmap-readout" aria-hidden="true">
          ${this.readout(this.hover ?? (this.focused ? this.cursor : null))}
        </div>
        <div class="zoom" role="group" aria-label="Zoom">
          <button
            class="small"
            type="button"
            aria-label="Zoom out"
            title="Zoom out (-)"
            ?disabled=${!n || this.count >= n}
            @click=${() => this.zoomBy(2)}
          >
            −
          </button>
          <span class="level" data-testid="heatmap-zoom">${n ? `${this.count} of ${n}` : '–'}</span>
          <button
            class="small"
            type="button"
            aria-label="Zoom in"
            title="Zoom in (+)"
            ?disabled=${!n || this.count <= Math.min(n, MIN_VISIBLE)}
            @click=${() => this.zoomBy(0.5)}
          >
            +
          </button>
          <button
            class="small"
            type="button"
            title="Show the whole map (0)"
            ?disabled=${!n || this.count >= n}
            @click=${() => this.fit()}
          >
            Fit
          </button>
        </div>
      </div>
      <div class="stage">
        <canvas
          tabindex="0"
          role="img"
          aria-roledescription="heatmap"
          aria-label=${`${this.caption}: ${n} by ${n} tokens. Arrow keys move a cursor; Enter selects its row token.`}
          data-testid="heatmap-canvas"
          class=${this.drag?.moved ? 'panning' : ''}
          @pointerdown=${this.onPointerDown}
          @pointermove=${this.onPointerMove}
          @pointerup=${this.onPointerUp}
          @pointercancel=${this.onPointerCancel}
          @pointerleave=${this.onPointerLeave}
          @wheel=${this.onWheel}
          @keydown=${this.onKeyDown}
          @focus=${this.onFocus}
          @blur=${() => (this.focused = false)}
        ></canvas>
      </div>
      <div class="visually-hidden" aria-live="polite">
        ${this.focused && this.cursor ? this.readoutText(this.cursor) : ''}
      </div>
      <div class="legend" data-testid="heatmap-legend">
        <span>Attention weight<br />${SCALE_LABELS[this.scale].toLowerCase()} scale</span>
        <div class="scale">
          <div class="gradient" style=${styleMap({ background: pal.gradient })}></div>
          ${scaleTicks(this.scale).map(
            (t) =>
              html`<span class="tick" style=${styleMap({ left: `${(t.pos * 100).toFixed(2)}%` })}
                >${t.label}</span
              >`,
          )}
        </div>
      </div>
      ${
        aggregated
          ? html`<p class="note" data-testid="heatmap-aggregated">
              Zoomed out: each pixel shows the largest weight of the up to
              ${Math.ceil(this.count / (this.layout!.plot * devicePixelRatio))} ×
              ${Math.ceil(this.count / (this.layout!.plot * devicePixelRatio))} cells it covers.
              Zoom in to see every cell.
            </p>`
          : ''
      }
    `;
  }

  // ---- view: zoom and pan ----

  /** Multiplies the positions shown by `factor` (< 1 zooms in), around `anchor` if given. */
  zoomBy(factor: number, anchor?: Cell): void {
    const n = this.map?.n ?? 0;
    if (!n) return;
    const minCount = Math.min(n, MIN_VISIBLE);
    const count = Math.max(minCount, Math.min(n, Math.round(this.count * factor)));
    if (count === this.count) return;
    const a = anchor ??
      this.cursor ?? {
        row: this.r0 + this.count / 2,
        col: this.c0 + this.count / 2,
      };
    // Keep the anchor at the same fraction of the window.
    const fr = (a.row - this.r0) / this.count;
    const fc = (a.col - this.c0) / this.count;
    this.count = count;
    this.r0 = this.clampStart(Math.round(a.row - fr * count));
    this.c0 = this.clampStart(Math.round(a.col - fc * count));
  }

  /** Shows the whole map. */
  fit(): void {
    this.count = this.map?.n ?? 0;
    this.r0 = 0;
    this.c0 = 0;
  }

  private clampStart(x: number): number {
    const n = this.map?.n ?? 0;
    return Math.max(0, Math.min(n - this.count, x));
  }

  private ensureVisible(c: Cell): void {
    if (c.row < this.r0) this.r0 = c.row;
    else if (c.row >= this.r0 + this.count) this.r0 = this.clampStart(c.row - this.count + 1);
    if (c.col < this.c0) this.c0 = c.col;
    else if (c.col >= this.c0 + this.count) this.c0 = this.clampStart(c.col - this.count + 1);
  }

  // ---- readout ----

  private readout(c: Cell | null) {
    const m = this.map;
    if (!m || !m.n) return html`<span class="muted">No attention map yet.</span>`;
    if (!c) {
      return html`<span class="muted"
        >Point at a cell to read its weight; click a row to see where its token looks.</span
      >`;
    }
    const from = this.label(c.row);
    const to = this.label(c.col);
    if (c.col > c.row) {
      return html`<span class="tok">${from}</span> <span class="muted">#${c.row}</span> →
        <span class="tok">${to}</span> <span class="muted">#${c.col}</span>:
        <span class="muted">masked (a token cannot see later ones)</span>`;
    }
    const p = m.probs[c.row * m.n + c.col];
    return html`<span class="tok">${from}</span> <span class="muted">#${c.row}</span> →
      <span class="tok">${to}</span> <span class="muted">#${c.col}</span>:
      <span class="p" data-testid="heatmap-value">${formatProb(p)}</span>`;
  }

  private readoutText(c: Cell): string {
    const m = this.map;
    if (!m) return '';
    const head = `Token ${c.row} "${this.label(c.row)}" to token ${c.col} "${this.label(c.col)}"`;
    if (c.col > c.row) return `${head}: masked`;
    return `${head}: ${formatProb(m.probs[c.row * m.n + c.col])}`;
  }

  private label(i: number): string {
    return this.labels[i] ?? `#${i}`;
  }

  // ---- drawing ----

  private scheduleDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private onThemeChange = (): void => {
    this.image = null;
    this.requestUpdate();
  };

  private computeLayout(ctx: CanvasRenderingContext2D, font: string): Layout {
    const n = this.map?.n ?? 0;
    const width = Math.max(120, this.stageWidth);
    if (!this.labelWidth) {
      ctx.font = `${LABEL_FONT_PX}px ${font}`;
      let w = ctx.measureText(String(Math.max(0, n - 1))).width;
      const sample = this.labels.length > 2048 ? [] : this.labels;
      for (const l of sample) w = Math.max(w, ctx.measureText(l).width);
      this.labelWidth = Math.min(110, Math.max(28, Math.ceil(w) + 8));
    }
    const margin = this.labelWidth + 4;
    const plot = Math.max(60, Math.min(MAX_PLOT, width - margin - 8));
    const count = Math.max(1, this.count);
    return {
      width: margin + plot + 8,
      height: margin + plot + 8,
      left: margin,
      top: margin,
      plot,
      cell: plot / count,
    };
  }

  private draw(): void {
    const canvas = this.canvas;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const style = getComputedStyle(this);
    const font = style.fontFamily || 'sans-serif';
    const colours = {
      text: style.getPropertyValue('--text').trim() || '#161a23',
      muted: style.getPropertyValue('--text-muted').trim() || '#5b6374',
      masked: style.getPropertyValue('--surface-2').trim() || '#f0f2f7',
      border: style.getPropertyValue('--border').trim() || '#dde1ea',
      accent: style.getPropertyValue('--accent').trim() || '#4f46e5',
      focus: style.getPropertyValue('--focus').trim() || '#2563eb',
      surface: style.getPropertyValue('--surface').trim() || '#ffffff',
    };
    const L = this.computeLayout(ctx, font);
    const hadLayout = this.layout;
    this.layout = L;
    const dpr = devicePixelRatio || 1;
    const bw = Math.round(L.width * dpr);
    const bh = Math.round(L.height * dpr);
    if (canvas.width !== bw || canvas.height !== bh) {
      canvas.width = bw;
      canvas.height = bh;
      canvas.style.width = `${L.width}px`;
      canvas.style.height = `${L.height}px`;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, L.width, L.height);
    const m = this.map;
    const n = m?.n ?? 0;
    ctx.fillStyle = colours.masked;
    ctx.fillRect(L.left, L.top, L.plot, L.plot);
    if (!m || !n) {
      ctx.fillStyle = colours.muted;
      ctx.font = `13px ${font}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('No attention map yet', L.left + L.plot / 2, L.top + L.plot / 2);
      return;
    }
    const pal = palette(currentTheme());
    const img = this.pooledImage(m, L, dpr, pal);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, img.width, img.height, L.left, L.top, L.plot, L.plot);

    const { cell } = L;
    const rows = Math.min(this.count, n - this.r0);
    const cols = Math.min(this.count, n - this.c0);
    // Cell borders when cells are large.
    if (cell >= 14) {
      ctx.strokeStyle = colours.surface;
      ctx.globalAlpha = 0.6;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let k = 1; k < this.count; k++) {
        const o = Math.round(L.left + k * cell) + 0.5;
        ctx.moveTo(o, L.top);
        ctx.lineTo(o, L.top + L.plot);
        const p = Math.round(L.top + k * cell) + 0.5;
        ctx.moveTo(L.left, p);
        ctx.lineTo(L.left + L.plot, p);
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    this.drawLabels(ctx, L, font, colours, rows, cols);

    // Selected row: outlined across the columns it can see.
    if (this.selected !== null && this.selected < n) {
      const r = this.selected - this.r0;
      if (r >= 0 && r < this.count) {
        const visibleCols = Math.min(cols, Math.max(0, this.selected - this.c0 + 1));
        ctx.strokeStyle = colours.accent;
        ctx.lineWidth = 2;
        ctx.strokeRect(
          L.left + 1,
          L.top + r * cell,
          Math.max(cell, visibleCols * cell) - 2,
          Math.max(2, cell),
        );
      }
    }
    const outline = (c: Cell | null, colour: string, width: number) => {
      if (!c) return;
      const r = c.row - this.r0;
      const k = c.col - this.c0;
      if (r < 0 || k < 0 || r >= this.count || k >= this.count) return;
      const s = Math.max(cell, 4);
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(L.left + k * cell + (cell - s) / 2, L.top + r * cell + (cell - s) / 2, s, s);
    };
    outline(this.hover, colours.text, 1.5);
    if (this.focused) outline(this.cursor, colours.focus, 2);
    // The first layout sizes the canvas: render once more so the note about pooling is right.
    if (!hadLayout) this.requestUpdate();
  }

  /** The visible window pooled to at most one image pixel per device pixel, cached. */
  private pooledImage(
    m: { n: number; probs: Float32Array },
    L: Layout,
    dpr: number,
    pal: Palette,
  ): HTMLCanvasElement {
    const count = Math.max(1, this.count);
    const px = Math.max(1, Math.round(L.plot * dpr));
    const size = Math.min(count, px);
    const key = `${this.r0},${this.c0},${count},${size},${this.scale},${pal.theme}`;
    if (this.image && this.image.key === key && this.imageMap === m) return this.image.canvas;
    const values = poolWindow(m.probs, m.n, this.r0, this.c0, count, size);
    // Rows or columns past the end of the map (never, once clamped) stay masked.
    const pixels = paintPixels(values, this.scale, pal);
    const canvas = this.image?.canvas ?? document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext('2d')!;
    ctx.putImageData(new ImageData(pixels, size, size), 0, 0);
    this.image = { key, canvas };
    this.imageMap = m;
    return canvas;
  }

  private imageMap: { n: number; probs: Float32Array } | null = null;

  private drawLabels(
    ctx: CanvasRenderingContext2D,
    L: Layout,
    font: string,
    colours: { text: string; muted: string; accent: string },
    rows: number,
    cols: number,
  ): void {
    const { cell } = L;
    const maxText = this.labelWidth - 6;
    const hoverRow = this.hover?.row ?? (this.focused ? this.cursor?.row : undefined);
    const hoverCol = this.hover?.col ?? (this.focused ? this.cursor?.col : undefined);
    ctx.save();
    if (cell >= MIN_LABEL_CELL) {
      const size = Math.min(LABEL_FONT_PX, Math.floor(cell) - 1);
      const styleFor = (i: number, hot: number | undefined) => {
        const selected = i === this.selected;
        ctx.font = `${selected ? '700 ' : ''}${size}px ${font}`;
        ctx.fillStyle = selected ? colours.accent : i === hot ? colours.text : colours.muted;
      };
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      for (let r = 0; r < rows; r++) {
        const i = this.r0 + r;
        styleFor(i, hoverRow);
        ctx.fillText(fitText(ctx, this.label(i), maxText), L.left - 5, L.top + (r + 0.5) * cell);
      }
      ctx.textAlign = 'left';
      for (let k = 0; k < cols; k++) {
        const j = this.c0 + k;
        styleFor(j, hoverCol);
        ctx.save();
        ctx.translate(L.left + (k + 0.5) * cell, L.top - 5);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(fitText(ctx, this.label(j), maxText), 0, 0);
        ctx.restore();
      }
    } else {
      // Position numbers at a round step, like a chart's axis.
      ctx.font = `10px ${font}`;
      ctx.fillStyle = colours.muted;
      ctx.strokeStyle = colours.muted;
      ctx.lineWidth = 1;
      const step = niceStep(Math.ceil(28 / cell));
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      const first = (start: number) => Math.ceil(start / step) * step;
      for (let i = first(this.r0); i < this.r0 + rows; i += step) {
        const y = L.top + (i - this.r0 + 0.5) * cell;
        ctx.fillText(String(i), L.left - 7, y);
        ctx.beginPath();
        ctx.moveTo(L.left - 4, y);
        ctx.lineTo(L.left, y);
        ctx.stroke();
      }
      ctx.textAlign = 'left';
      for (let j = first(this.c0); j < this.c0 + cols; j += step) {
        const x = L.left + (j - this.c0 + 0.5) * cell;
        ctx.save();
        ctx.translate(x, L.top - 7);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(String(j), 0, 0);
        ctx.restore();
        ctx.beginPath();
        ctx.moveTo(x, L.top - 4);
        ctx.lineTo(x, L.top);
        ctx.stroke();
      }
      ctx.textAlign = 'left';
      ctx.textBaseline = 'alphabetic';
      ctx.fillText('query ↓  key →', 2, 12);
    }
    ctx.restore();
  }

  // ---- pointer ----

  /** What is under a point: a cell, a row label, a column label, or nothing. */
  private hit(
    e: PointerEvent | WheelEvent | MouseEvent,
  ): (Cell & { kind: 'cell' | 'row' | 'col' }) | null {
    const L = this.layout;
    const n = this.map?.n ?? 0;
    if (!L || !n) return null;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const inX = x >= L.left && x < L.left + L.plot;
    const inY = y >= L.top && y < L.top + L.plot;
    const row = this.r0 + Math.floor((y - L.top) / L.cell);
    const col = this.c0 + Math.floor((x - L.left) / L.cell);
    if (inX && inY && row < n && col < n) return { kind: 'cell', row, col };
    if (inY && x < L.left && row < n) return { kind: 'row', row, col: row };
    if (inX && y < L.top && col < n) return { kind: 'col', row: col, col };
    return null;
  }

  private onPointerDown = (e: PointerEvent): void => {
    if (e.button !== 0) return;
    this.drag = { x: e.clientX, y: e.clientY, r0: this.r0, c0: this.c0, moved: false };
    this.canvas.setPointerCapture(e.pointerId);
  };

  private onPointerMove = (e: PointerEvent): void => {
    const d = this.drag;
    if (d && this.layout) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (!d.moved && Math.hypot(dx, dy) > 4 && this.count < (this.map?.n ?? 0)) d.moved = true;
      if (d.moved) {
        this.r0 = this.clampStart(Math.round(d.r0 - dy / this.layout.cell));
        this.c0 = this.clampStart(Math.round(d.c0 - dx / this.layout.cell));
        this.hover = null;
        return;
      }
    }
    const h = this.hit(e);
    const cell = h ? { row: h.row, col: h.col } : null;
    if (cell?.row !== this.hover?.row || cell?.col !== this.hover?.col) this.hover = cell;
  };

  private onPointerUp = (e: PointerEvent): void => {
    const d = this.drag;
    this.drag = null;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    if (!d || d.moved) {
      this.requestUpdate();
      return;
    }
    const h = this.hit(e);
    if (!h) return;
    this.cursor = { row: h.row, col: h.col };
    this.select(h.row === this.selected && h.kind !== 'cell' ? null : h.row);
  };

  private onPointerCancel = (): void => {
    this.drag = null;
  };

  private onPointerLeave = (): void => {
    if (!this.drag) this.hover = null;
  };

  private onWheel = (e: WheelEvent): void => {
    const n = this.map?.n ?? 0;
    const L = this.layout;
    if (!n || !L) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      const h = this.hit(e);
      this.zoomBy(e.deltaY < 0 ? 0.8 : 1.25, h ?? undefined);
      return;
    }
    if (this.count >= n) return; // the whole map is shown: let the page scroll
    const lines = e.deltaMode === 1 ? 3 : e.deltaMode === 2 ? this.count : 1 / L.cell;
    const dr = Math.round((e.shiftKey ? 0 : e.deltaY) * lines);
    const dc = Math.round((e.shiftKey ? e.deltaY : e.deltaX) * lines);
    const r0 = this.clampStart(this.r0 + dr);
    const c0 = this.clampStart(this.c0 + dc);
    if (r0 === this.r0 && c0 === this.c0) return; // at the edge: the page scrolls on
    e.preventDefault();
    this.r0 = r0;
    this.c0 = c0;
  };

  // ---- keyboard ----

  private onFocus = (): void => {
    this.focused = true;
    const n = this.map?.n ?? 0;
    if (!this.cursor && n) {
      const row = this.selected ?? Math.min(n - 1, this.r0 + this.count - 1);
      this.cursor = { row, col: Math.min(row, this.c0) };
      this.ensureVisible(this.cursor);
    }
  };

  private onKeyDown = (e: KeyboardEvent): void => {
    const n = this.map?.n ?? 0;
    if (!n) return;
    const c = this.cursor ?? { row: n - 1, col: 0 };
    const page = Math.max(1, this.count - 1);
    let next: Cell;
    switch (e.key) {
      case 'ArrowUp':
        next = { row: c.row - 1, col: c.col };
        break;
      case 'ArrowDown':
        next = { row: c.row + 1, col: c.col };
        break;
      case 'ArrowLeft':
        next = { row: c.row, col: c.col - 1 };
        break;
      case 'ArrowRight':
        next = { row: c.row, col: c.col + 1 };
        break;
      case 'PageUp':
        next = { row: c.row - page, col: c.col };
        break;
      case 'PageDown':
        next = { row: c.row + page, col: c.col };
        break;
      case 'Home':
        next = { row: c.row, col: 0 };
        break;
      case 'End':
        next = { row: c.row, col: c.row };
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.select(c.row);
        return;
      case 'Escape':
        if (this.selected === null) return;
        e.preventDefault();
        this.select(null);
        return;
      case '+':
      case '=':
        e.preventDefault();
        this.zoomBy(0.5, c);
        return;
      case '-':
      case '_':
        e.preventDefault();
        this.zoomBy(2, c);
        return;
      case '0':
        e.preventDefault();
        this.fit();
        return;
      default:
        return;
    }
    e.preventDefault();
    const clamp = (x: number) => Math.max(0, Math.min(n - 1, x));
    this.cursor = { row: clamp(next.row), col: clamp(next.col) };
    this.hover = null;
    this.ensureVisible(this.cursor);
  };

  private select(position: number | null): void {
    emitInspector(this, 'token-select', { position });
  }
}

/** `text` cut with an ellipsis to fit `max` pixels in the context's current font. */
function fitText(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(chars.slice(0, mid).join('') + '…').width <= max) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('') + '…';
}

/** The smallest of 1, 2, 5, 10, 20, 50, ... that is >= x. */
function niceStep(x: number): number {
  let base = 1;
  for (;;) {
    for (const m of [1, 2, 5]) if (m * base >= x) return m * base;
    base *= 10;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-heatmap': AttentionHeatmap;
  }
}

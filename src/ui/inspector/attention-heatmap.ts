import { LitElement, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { emit } from '../events.ts';
import { sharedStyles } from '../shared-styles.ts';
import { heatmapStyles } from './attention-heatmap.styles.ts';
import { palette, SCALE_LABELS, scaleTicks, type ScaleKind } from './colour-scale.ts';
import { HeatmapPainter } from './heatmap-canvas.ts';
import { readout, readoutText } from './heatmap-readout.ts';
import {
  clampStart,
  hitTest,
  keyAction,
  MIN_VISIBLE,
  panWindow,
  windowShowing,
  zoomWindow,
  type Cell,
  type PlotLayout,
} from './heatmap-view.ts';

/**
 * One head's attention map as a heatmap on a canvas: row i is where token i attends (its
 * query), column j the token attended to (its key), on the colour scale shown in the legend.
 * Token labels on both axes when cells are wide enough, position ticks otherwise. The value
 * under the pointer (or the keyboard cursor) is read out above the map.
 *
 * The view maths (window, hit testing, keys) live in heatmap-view.ts, the drawing in
 * heatmap-canvas.ts; this element holds the state and wires the pointer and keyboard.
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
  static override styles = [sharedStyles, heatmapStyles];

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
  private layout: PlotLayout | null = null;
  private frame = 0;
  private readonly painter = new HeatmapPainter();
  private drag: { x: number; y: number; r0: number; c0: number; moved: boolean } | null = null;
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
    if (changed.has('map') || changed.has('labels')) this.painter.forgetLabels();
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
          ${readout(this.map, this.labels, this.hover ?? (this.focused ? this.cursor : null))}
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
        ${this.focused && this.cursor ? readoutText(this.map, this.labels, this.cursor) : ''}
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
    this.setView(zoomWindow(this.view, n, factor, anchor ?? this.cursor ?? undefined));
  }

  /** Shows the whole map. */
  fit(): void {
    this.setView({ r0: 0, c0: 0, count: this.map?.n ?? 0 });
  }

  private setView(w: { r0: number; c0: number; count: number }): void {
    this.count = w.count;
    this.r0 = w.r0;
    this.c0 = w.c0;
  }

  private ensureVisible(c: Cell): void {
    this.setView(windowShowing(this.view, this.map?.n ?? 0, c));
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
    this.painter.forgetImage();
    this.requestUpdate();
  };

  private draw(): void {
    if (!this.canvas) return;
    const hadLayout = this.layout;
    this.layout =
      this.painter.draw(this.canvas, this, this.stageWidth, {
        map: this.map,
        labels: this.labels,
        scale: this.scale,
        view: this.view,
        selected: this.selected,
        hover: this.hover,
        cursor: this.cursor,
        focused: this.focused,
      }) ?? this.layout;
    // The first layout sizes the canvas: render once more so the note about pooling is right.
    if (!hadLayout && this.layout) this.requestUpdate();
  }

  // ---- pointer ----

  /** What is under a pointer: a cell, a row label, a column label, or nothing. */
  private hit(e: PointerEvent | WheelEvent | MouseEvent) {
    const L = this.layout;
    if (!L) return null;
    const rect = this.canvas.getBoundingClientRect();
    return hitTest(L, this.view, this.map?.n ?? 0, e.clientX - rect.left, e.clientY - rect.top);
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
        const n = this.map?.n ?? 0;
        this.r0 = clampStart(n, this.count, Math.round(d.r0 - dy / this.layout.cell));
        this.c0 = clampStart(n, this.count, Math.round(d.c0 - dx / this.layout.cell));
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
    const next = panWindow(this.view, n, dr, dc);
    if (next.r0 === this.r0 && next.c0 === this.c0) return; // at the edge: the page scrolls on
    e.preventDefault();
    this.setView(next);
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
    const action = keyAction(
      e.key,
      this.cursor,
      this.map?.n ?? 0,
      this.count,
      this.selected !== null,
    );
    if (!action) return;
    e.preventDefault();
    switch (action.kind) {
      case 'select':
        return this.select(action.row);
      case 'clear':
        return this.select(null);
      case 'zoom':
        return this.zoomBy(action.factor, action.anchor);
      case 'fit':
        return this.fit();
      case 'move':
        this.cursor = action.cursor;
        this.hover = null;
        this.ensureVisible(action.cursor);
    }
  };

  private select(position: number | null): void {
    emit(this, 'token-select', { position });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-heatmap': AttentionHeatmap;
  }
}

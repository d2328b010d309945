/**
 * Drawing an attention heatmap on a 2D canvas: the visible window pooled into at most one
 * image pixel per device pixel (block maxima, so a one-token-wide pattern stays visible)
 * and drawn as one ImageData, cell borders when cells are large, token labels (or position
 * ticks when cells are small), the selected row, the hovered cell and the keyboard cursor.
 * Token labels are model output: drawn with fillText, never parsed as markup.
 */
import { paintPixels, poolWindow } from './attention-data.ts';
import { currentTheme, palette, type Palette, type ScaleKind } from './colour-scale.ts';
import { niceStep, type Cell, type HeatmapWindow, type PlotLayout } from './heatmap-view.ts';

/** Largest side of the plot in CSS pixels. */
const MAX_PLOT = 760;
/** Cells at least this many CSS pixels wide get a text label; smaller ones get tick numbers. */
const MIN_LABEL_CELL = 9;
const LABEL_FONT_PX = 11;

export interface HeatmapScene {
  /** [n, n] row-major, zeros above the diagonal. */
  map: { n: number; probs: Float32Array } | null;
  labels: readonly string[];
  scale: ScaleKind;
  view: HeatmapWindow;
  selected: number | null;
  hover: Cell | null;
  /** The keyboard cursor (drawn only while the map has focus). */
  cursor: Cell | null;
  focused: boolean;
}

interface Colours {
  text: string;
  muted: string;
  masked: string;
  border: string;
  accent: string;
  focus: string;
  surface: string;
}

/** Draws scenes on one canvas, keeping what is costly between frames. */
export class HeatmapPainter {
  /** The pooled window as an image, rebuilt only when the window, map, scale or size change. */
  private image: { key: string; canvas: HTMLCanvasElement } | null = null;
  private imageMap: { n: number; probs: Float32Array } | null = null;
  private labelWidth = 0;

  /** New labels or map: the label margin is measured again. */
  forgetLabels(): void {
    this.labelWidth = 0;
  }

  /** The theme changed: the pooled image is painted again. */
  forgetImage(): void {
    this.image = null;
  }

  /**
   * Draws `scene` on `canvas` (`styled` gives the theme's colours and font) across
   * `stageWidth` CSS pixels, and returns the layout used.
   */
  draw(
    canvas: HTMLCanvasElement,
    styled: Element,
    stageWidth: number,
    scene: HeatmapScene,
  ): PlotLayout | null {
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    const style = getComputedStyle(styled);
    const font = style.fontFamily || 'sans-serif';
    const colour = (name: string, fallback: string) =>
      style.getPropertyValue(name).trim() || fallback;
    const colours: Colours = {
      text: colour('--text', '#161a23'),
      muted: colour('--text-muted', '#5b6374'),
      masked: colour('--surface-2', '#f0f2f7'),
      border: colour('--border', '#dde1ea'),
      accent: colour('--accent', '#4f46e5'),
      focus: colour('--focus', '#2563eb'),
      surface: colour('--surface', '#ffffff'),
    };
    const L = this.layout(ctx, font, stageWidth, scene);
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
    const m = scene.map;
    const n = m?.n ?? 0;
    ctx.fillStyle = colours.masked;
    ctx.fillRect(L.left, L.top, L.plot, L.plot);
    if (!m || !n) {
      ctx.fillStyle = colours.muted;
      ctx.font = `13px ${font}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('No attention map yet', L.left + L.plot / 2, L.top + L.plot / 2);
      return L;
    }
    const img = this.pooledImage(m, scene, L, dpr, palette(currentTheme()));
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, img.width, img.height, L.left, L.top, L.plot, L.plot);

    const { cell } = L;
    const { r0, c0, count } = scene.view;
    const rows = Math.min(count, n - r0);
    const cols = Math.min(count, n - c0);
    if (cell >= 14) {
      ctx.strokeStyle = colours.surface;
      ctx.globalAlpha = 0.6;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let k = 1; k < count; k++) {
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
    this.drawLabels(ctx, L, font, colours, scene, rows, cols);

    // Selected row: outlined across the columns it can see.
    const selected = scene.selected;
    if (selected !== null && selected < n) {
      const r = selected - r0;
      if (r >= 0 && r < count) {
        const visibleCols = Math.min(cols, Math.max(0, selected - c0 + 1));
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
      const r = c.row - r0;
      const k = c.col - c0;
      if (r < 0 || k < 0 || r >= count || k >= count) return;
      const s = Math.max(cell, 4);
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(L.left + k * cell + (cell - s) / 2, L.top + r * cell + (cell - s) / 2, s, s);
    };
    outline(scene.hover, colours.text, 1.5);
    if (scene.focused) outline(scene.cursor, colours.focus, 2);
    return L;
  }

  private layout(
    ctx: CanvasRenderingContext2D,
    font: string,
    stageWidth: number,
    scene: HeatmapScene,
  ): PlotLayout {
    const n = scene.map?.n ?? 0;
    const width = Math.max(120, stageWidth);
    if (!this.labelWidth) {
      ctx.font = `${LABEL_FONT_PX}px ${font}`;
      let w = ctx.measureText(String(Math.max(0, n - 1))).width;
      const sample = scene.labels.length > 2048 ? [] : scene.labels;
      for (const l of sample) w = Math.max(w, ctx.measureText(l).width);
      this.labelWidth = Math.min(110, Math.max(28, Math.ceil(w) + 8));
    }
    const margin = this.labelWidth + 4;
    const plot = Math.max(60, Math.min(MAX_PLOT, width - margin - 8));
    const count = Math.max(1, scene.view.count);
    return {
      width: margin + plot + 8,
      height: margin + plot + 8,
      left: margin,
      top: margin,
      plot,
      cell: plot / count,
    };
  }

  private pooledImage(
    m: { n: number; probs: Float32Array },
    scene: HeatmapScene,
    L: PlotLayout,
    dpr: number,
    pal: Palette,
  ): HTMLCanvasElement {
    const { r0, c0 } = scene.view;
    const count = Math.max(1, scene.view.count);
    const px = Math.max(1, Math.round(L.plot * dpr));
    const size = Math.min(count, px);
    const key = `${r0},${c0},${count},${size},${scene.scale},${pal.theme}`;
    if (this.image && this.image.key === key && this.imageMap === m) return this.image.canvas;
    const values = poolWindow(m.probs, m.n, r0, c0, count, size);
    const pixels = paintPixels(values, scene.scale, pal);
    const canvas = this.image?.canvas ?? document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext('2d')!;
    ctx.putImageData(new ImageData(pixels, size, size), 0, 0);
    this.image = { key, canvas };
    this.imageMap = m;
    return canvas;
  }

  private drawLabels(
    ctx: CanvasRenderingContext2D,
    L: PlotLayout,
    font: string,
    colours: Colours,
    scene: HeatmapScene,
    rows: number,
    cols: number,
  ): void {
    const { cell } = L;
    const { r0, c0 } = scene.view;
    const label = (i: number) => scene.labels[i] ?? `#${i}`;
    const maxText = this.labelWidth - 6;
    const hoverRow = scene.hover?.row ?? (scene.focused ? scene.cursor?.row : undefined);
    const hoverCol = scene.hover?.col ?? (scene.focused ? scene.cursor?.col : undefined);
    ctx.save();
    if (cell >= MIN_LABEL_CELL) {
      const size = Math.min(LABEL_FONT_PX, Math.floor(cell) - 1);
      const styleFor = (i: number, hot: number | undefined) => {
        const selected = i === scene.selected;
        ctx.font = `${selected ? '700 ' : ''}${size}px ${font}`;
        ctx.fillStyle = selected ? colours.accent : i === hot ? colours.text : colours.muted;
      };
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      for (let r = 0; r < rows; r++) {
        const i = r0 + r;
        styleFor(i, hoverRow);
        ctx.fillText(fitText(ctx, label(i), maxText), L.left - 5, L.top + (r + 0.5) * cell);
      }
      ctx.textAlign = 'left';
      for (let k = 0; k < cols; k++) {
        const j = c0 + k;
        styleFor(j, hoverCol);
        ctx.save();
        ctx.translate(L.left + (k + 0.5) * cell, L.top - 5);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(fitText(ctx, label(j), maxText), 0, 0);
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
      for (let i = first(r0); i < r0 + rows; i += step) {
        const y = L.top + (i - r0 + 0.5) * cell;
        ctx.fillText(String(i), L.left - 7, y);
        ctx.beginPath();
        ctx.moveTo(L.left - 4, y);
        ctx.lineTo(L.left, y);
        ctx.stroke();
      }
      ctx.textAlign = 'left';
      for (let j = first(c0); j < c0 + cols; j += step) {
        const x = L.left + (j - c0 + 0.5) * cell;
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

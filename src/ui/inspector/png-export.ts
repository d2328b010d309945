/**
 * Exports of an attention map as files: a PNG drawn on a canvas (any context length; one
 * pixel per cell at 1024 tokens, labelled cells for short contexts) and an SVG (vector, for
 * short contexts), both with a title, token labels or position ticks, and the colour scale.
 * Exports always use the light palette on white, whatever the page's theme. Token text is
 * model output: drawn with fillText on the canvas, XML-escaped in the SVG.
 */
import { paintPixels, poolWindow } from './attention-data.ts';
import {
  palette,
  scalePosition,
  scaleTicks,
  SCALE_LABELS,
  type ScaleKind,
} from './colour-scale.ts';

/** Largest context the SVG export takes (it writes one element per cell). */
export const SVG_MAX_N = 128;

export interface HeatmapExport {
  map: { n: number; probs: Float32Array };
  /** Visible text of each position's token. */
  labels: readonly string[];
  scale: ScaleKind;
  title: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const INK = '#161a23';
const MUTED = '#5b6374';
const MASK_FILL = '#eceef3';

interface ExportLayout {
  cell: number;
  labels: boolean;
  margin: number;
  top: number;
  plot: number;
  width: number;
  height: number;
  legendY: number;
}

function layoutFor(n: number, labelWidth: number): ExportLayout {
  const cell = Math.max(1, Math.min(24, Math.floor(1024 / Math.max(1, n))));
  const labels = cell >= 9;
  const margin = labels ? labelWidth + 10 : 44;
  const top = 44 + margin;
  const plot = cell * n;
  const width = Math.max(margin + plot + 16, 360);
  const legendY = top + plot + 18;
  return { cell, labels, margin, top, plot, width, height: legendY + 44, legendY };
}

function measureLabels(ctx: CanvasRenderingContext2D, labels: readonly string[], px: number) {
  ctx.font = `${px}px ${FONT}`;
  let w = 0;
  for (const l of labels) w = Math.max(w, ctx.measureText(l).width);
  return Math.min(140, Math.max(30, Math.ceil(w)));
}

/** The map as a standalone labelled image (a new canvas). */
export function renderHeatmapCanvas(e: HeatmapExport): HTMLCanvasElement {
  const { n, probs } = e.map;
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a canvas, so the PNG cannot be made.');
  const cellGuess = Math.max(1, Math.min(24, Math.floor(1024 / Math.max(1, n))));
  const fontPx = Math.min(12, cellGuess - 1);
  const L = layoutFor(n, measureLabels(ctx, e.labels, Math.max(8, fontPx)));
  canvas.width = L.width;
  canvas.height = L.height;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, L.width, L.height);
  ctx.fillStyle = INK;
  ctx.font = `600 14px ${FONT}`;
  ctx.textBaseline = 'top';
  ctx.fillText(e.title, 10, 10);
  ctx.fillStyle = MASK_FILL;
  ctx.fillRect(L.margin, L.top, L.plot, L.plot);
  if (n > 0) {
    const pal = palette('light');
    const pixels = paintPixels(poolWindow(probs, n, 0, 0, n, n), e.scale, pal);
    const img = document.createElement('canvas');
    img.width = n;
    img.height = n;
    img.getContext('2d')!.putImageData(new ImageData(pixels, n, n), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, L.margin, L.top, L.plot, L.plot);
  }
  ctx.fillStyle = MUTED;
  if (L.labels) {
    ctx.font = `${fontPx}px ${FONT}`;
    ctx.textBaseline = 'middle';
    for (let i = 0; i < n; i++) {
      const y = L.top + (i + 0.5) * L.cell;
      ctx.textAlign = 'right';
      ctx.fillText(e.labels[i] ?? `#${i}`, L.margin - 5, y);
      ctx.save();
      ctx.translate(L.margin + (i + 0.5) * L.cell, L.top - 5);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(e.labels[i] ?? `#${i}`, 0, 0);
      ctx.restore();
    }
  } else {
    ctx.font = `10px ${FONT}`;
    ctx.textBaseline = 'middle';
    const step = tickStep(n, L.cell);
    for (let i = 0; i < n; i += step) {
      const p = (i + 0.5) * L.cell;
      ctx.textAlign = 'right';
      ctx.fillText(String(i), L.margin - 5, L.top + p);
      ctx.save();
      ctx.translate(L.margin + p, L.top - 5);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(String(i), 0, 0);
      ctx.restore();
    }
  }
  drawLegend(ctx, e.scale, L);
  return canvas;
}

function drawLegend(ctx: CanvasRenderingContext2D, scale: ScaleKind, L: ExportLayout): void {
  const pal = palette('light');
  const x0 = L.margin;
  const w = Math.min(260, L.width - x0 - 16);
  const g = ctx.createLinearGradient(x0, 0, x0 + w, 0);
  for (let i = 0; i <= 16; i++) g.addColorStop(i / 16, pal.css(i / 16));
  ctx.fillStyle = g;
  ctx.fillRect(x0, L.legendY, w, 10);
  ctx.strokeStyle = '#dde1ea';
  ctx.strokeRect(x0 + 0.5, L.legendY + 0.5, w - 1, 9);
  ctx.fillStyle = MUTED;
  ctx.font = `10px ${FONT}`;
  ctx.textBaseline = 'top';
  for (const t of scaleTicks(scale)) {
    ctx.textAlign = t.pos === 0 ? 'left' : t.pos === 1 ? 'right' : 'center';
    ctx.fillText(t.label, x0 + t.pos * w, L.legendY + 13);
  }
  ctx.textAlign = 'left';
  ctx.fillText(`attention weight, ${SCALE_LABELS[scale].toLowerCase()} scale`, x0, L.legendY + 27);
}

function tickStep(n: number, cell: number): number {
  const want = Math.ceil(24 / cell);
  for (let base = 1; ; base *= 10) {
    for (const m of [1, 2, 5]) if (m * base >= want) return Math.min(m * base, Math.max(1, n));
  }
}

/** canvas.toBlob as a promise. */
export function canvasToBlob(canvas: HTMLCanvasElement, type = 'image/png'): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('The browser could not encode the image.'))),
      type,
    ),
  );
}

export async function heatmapPng(e: HeatmapExport): Promise<Blob> {
  return canvasToBlob(renderHeatmapCanvas(e));
}

/** The map as an SVG document (n <= SVG_MAX_N). */
export function heatmapSvg(e: HeatmapExport): string {
  const { n, probs } = e.map;
  if (n > SVG_MAX_N) {
    throw new RangeError(
      `The SVG export takes up to ${SVG_MAX_N} tokens (one element per cell); this map has ${n}. Export a PNG instead.`,
    );
  }
  const pal = palette('light');
  const fontPx = 12;
  // Without a canvas to measure, allow ~0.6 em per character.
  const longest = Math.max(1, ...e.labels.map((l) => [...l].length));
  const L = layoutFor(n, Math.min(140, Math.max(30, Math.ceil(longest * fontPx * 0.6))));
  const out: string[] = [];
  const f = (x: number) => String(Math.round(x * 100) / 100);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="${xml(FONT)}">`,
    `<title>${xml(e.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="14" font-weight="600" fill="${INK}">${xml(e.title)}</text>`,
    `<rect x="${L.margin}" y="${L.top}" width="${L.plot}" height="${L.plot}" fill="${MASK_FILL}"/>`,
    '<g shape-rendering="crispEdges">',
  );
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const p = probs[i * n + j];
      out.push(
        `<rect x="${L.margin + j * L.cell}" y="${L.top + i * L.cell}" width="${L.cell}" height="${L.cell}" fill="${pal.css(scalePosition(e.scale, p))}"><title>${i} → ${j}: ${p.toPrecision(4)}</title></rect>`,
      );
    }
  }
  out.push('</g>', `<g font-size="${Math.min(fontPx, L.cell - 1)}" fill="${MUTED}">`);
  if (L.labels) {
    for (let i = 0; i < n; i++) {
      const label = xml(e.labels[i] ?? `#${i}`);
      const c = L.top + (i + 0.5) * L.cell;
      const x = L.margin + (i + 0.5) * L.cell;
      out.push(
        `<text x="${L.margin - 5}" y="${f(c)}" text-anchor="end" dominant-baseline="middle" xml:space="preserve">${label}</text>`,
        `<text transform="translate(${f(x)} ${L.top - 5}) rotate(-90)" dominant-baseline="middle" xml:space="preserve">${label}</text>`,
      );
    }
  } else {
    const step = tickStep(n, L.cell);
    for (let i = 0; i < n; i += step) {
      const c = (i + 0.5) * L.cell;
      out.push(
        `<text x="${L.margin - 5}" y="${f(L.top + c)}" text-anchor="end" dominant-baseline="middle">${i}</text>`,
        `<text transform="translate(${f(L.margin + c)} ${L.top - 5}) rotate(-90)" dominant-baseline="middle">${i}</text>`,
      );
    }
  }
  out.push('</g>');
  // Legend: a gradient with the scale's ticks.
  const w = Math.min(260, L.width - L.margin - 16);
  out.push(
    '<defs><linearGradient id="scale">',
    ...Array.from(
      { length: 17 },
      (_, i) => `<stop offset="${f(i / 16)}" stop-color="${pal.css(i / 16)}"/>`,
    ),
    '</linearGradient></defs>',
    `<rect x="${L.margin}" y="${L.legendY}" width="${w}" height="10" fill="url(#scale)" stroke="#dde1ea"/>`,
    `<g font-size="10" fill="${MUTED}">`,
  );
  for (const t of scaleTicks(e.scale)) {
    const anchor = t.pos === 0 ? 'start' : t.pos === 1 ? 'end' : 'middle';
    out.push(
      `<text x="${f(L.margin + t.pos * w)}" y="${L.legendY + 22}" text-anchor="${anchor}">${xml(t.label)}</text>`,
    );
  }
  out.push(
    `<text x="${L.margin}" y="${L.legendY + 36}">attention weight, ${xml(SCALE_LABELS[e.scale].toLowerCase())} scale</text>`,
    '</g></svg>',
  );
  return out.join('\n');
}

/** Text for XML: markup characters escaped, characters XML 1.0 forbids dropped. */
export function xml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Saves `blob` as a file named `name` (through a temporary link). */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Attention maps as the views use them: the engine's [n, n] row-major probabilities (row i =
 * where token i attends, zeros above the diagonal), pooled into images and thumbnails, and
 * the few numbers the panel reports. Pure functions over typed arrays: no DOM, no GPU.
 */
import { lutIndex, type Palette, type ScaleKind } from './colour-scale.ts';

/** A small picture of a map: [size, size] block maxima (-1 where every cell is masked). */
export interface Thumb {
  n: number;
  size: number;
  data: Float32Array;
}

/** Side of the thumbnails in cells (smaller contexts keep one cell per pixel). */
export const THUMB_SIZE = 48;

/** Value of a pooled pixel whose cells all lie above the diagonal (the causal mask). */
export const MASKED = -1;

/**
 * Pools the square window rows r0..r0+count-1, columns c0..c0+count-1 of an [n, n] causal map
 * into [m, m] (m <= count) by block maxima: a one-cell-wide pattern (the diagonal, a column
 * every token looks at) stays visible when 1024 positions share 300 pixels. Blocks entirely
 * above the diagonal are MASKED. O(count^2).
 */
export function poolWindow(
  probs: Float32Array,
  n: number,
  r0: number,
  c0: number,
  count: number,
  m: number,
): Float32Array {
  const out = new Float32Array(m * m).fill(MASKED);
  const colBlock = new Int32Array(count);
  for (let j = 0; j < count; j++) colBlock[j] = Math.floor((j * m) / count);
  for (let r = 0; r < count; r++) {
    const i = r0 + r;
    if (i >= n) break;
    const y = Math.floor((r * m) / count) * m;
    const row = i * n;
    // Only j <= i holds data (the rest is the mask).
    const last = Math.min(count - 1, i - c0);
    for (let c = 0; c <= last; c++) {
      const p = probs[row + c0 + c];
      const k = y + colBlock[c];
      if (p > out[k]) out[k] = p;
    }
  }
  return out;
}

export function makeThumb(map: { n: number; probs: Float32Array }, size = THUMB_SIZE): Thumb {
  const m = Math.min(size, map.n);
  return { n: map.n, size: m, data: poolWindow(map.probs, map.n, 0, 0, map.n, m) };
}

/** RGBA pixels of pooled values on a colour scale (MASKED -> transparent). */
export function paintPixels(
  values: Float32Array,
  kind: ScaleKind,
  pal: Palette,
  out: Uint8ClampedArray<ArrayBuffer> = new Uint8ClampedArray(values.length * 4),
): Uint8ClampedArray<ArrayBuffer> {
  const lut = pal.lut;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const o = i * 4;
    if (v < 0) {
      out[o + 3] = 0;
      continue;
    }
    const k = lutIndex(kind, v) * 4;
    out[o] = lut[k];
    out[o + 1] = lut[k + 1];
    out[o + 2] = lut[k + 2];
    out[o + 3] = 255;
  }
  return out;
}

/** The `k` columns row `row` attends to most, largest first (ties: earlier position). */
export function topAttended(
  probs: Float32Array,
  n: number,
  row: number,
  k: number,
): { col: number; p: number }[] {
  const cells: { col: number; p: number }[] = [];
  for (let j = 0; j <= row && j < n; j++) cells.push({ col: j, p: probs[row * n + j] });
  cells.sort((a, b) => b.p - a.p || a.col - b.col);
  return cells.slice(0, k);
}

/** Sum of each row (1 for every row of a correct map, up to float rounding). */
export function rowSums(probs: Float32Array, n: number): Float64Array {
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += probs[i * n + j];
    sums[i] = s;
  }
  return sums;
}

/** A probability with four significant digits: 0.4321, 0.0001234, 1. */
export function formatProb(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p === 0 || p === 1) return String(p);
  return p >= 0.001 ? p.toFixed(4) : p.toPrecision(3);
}

/**
 * The colour scale of the attention maps: a value transform (linear, square root, log) that
 * maps a probability in [0, 1] to a position t in [0, 1], and a sequential palette (light to
 * deep indigo on a light page, dark to bright lavender on a dark one) sampled into a 256-entry
 * lookup table for ImageData. Pure functions plus one media query; no DOM drawing.
 */

export type ScaleKind = 'linear' | 'sqrt' | 'log';

export const SCALE_KINDS: readonly ScaleKind[] = ['sqrt', 'linear', 'log'];

export const SCALE_LABELS: Readonly<Record<ScaleKind, string>> = {
  sqrt: 'Square root',
  linear: 'Linear',
  log: 'Log (10⁻⁴ – 1)',
};

/** The smallest probability the log scale tells apart from 0. */
export const LOG_FLOOR = 1e-4;

/** Position of probability `p` on the scale, clamped to [0, 1]. */
export function scalePosition(kind: ScaleKind, p: number): number {
  if (!(p > 0)) return 0;
  if (p >= 1) return 1;
  switch (kind) {
    case 'linear':
      return p;
    case 'sqrt':
      return Math.sqrt(p);
    case 'log':
      return p <= LOG_FLOOR ? 0 : 1 - Math.log10(p) / Math.log10(LOG_FLOOR);
  }
}

/** The legend's tick values for a scale, each with its position. */
export function scaleTicks(kind: ScaleKind): { value: number; pos: number; label: string }[] {
  const values: Record<ScaleKind, number[]> = {
    linear: [0, 0.25, 0.5, 0.75, 1],
    sqrt: [0, 0.05, 0.2, 0.5, 1],
    log: [1e-4, 1e-3, 1e-2, 0.1, 1],
  };
  return values[kind].map((value) => ({
    value,
    pos: scalePosition(kind, value),
    label: formatTick(value),
  }));
}

function formatTick(v: number): string {
  if (v === 0 || v === 1) return String(v);
  if (v < 0.01) return `10${superscript(Math.round(Math.log10(v)))}`;
  return String(v);
}

function superscript(n: number): string {
  const digits = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  return (n < 0 ? '⁻' : '') + [...String(Math.abs(n))].map((d) => digits[Number(d)]).join('');
}

export type Theme = 'light' | 'dark';

/** The page's colour scheme, as the design tokens in index.html follow it. */
export function currentTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light';
}

/** Sequential stops, lightness monotonic; the 0 end is near the page's surface colour. */
const STOPS: Readonly<Record<Theme, readonly string[]>> = {
  light: ['#f4f5fb', '#d9d6fb', '#a79cf5', '#6c52e6', '#3f1fa8', '#1c0b55'],
  dark: ['#181b25', '#2a2766', '#4b3fc0', '#7f72f5', '#b9b1ff', '#f3f1ff'],
};

export interface Palette {
  theme: Theme;
  /** 256 RGBA entries: index round(t * 255). */
  lut: Uint8ClampedArray;
  /** CSS colour at position t in [0, 1]. */
  css(t: number): string;
  /** CSS gradient of the whole scale, left to right (for legends). */
  gradient: string;
  /** A text colour readable on the scale's colour at t. */
  textOn(t: number): string;
}

const palettes = new Map<Theme, Palette>();

export function palette(theme: Theme = currentTheme()): Palette {
  let p = palettes.get(theme);
  if (!p) {
    p = makePalette(theme);
    palettes.set(theme, p);
  }
  return p;
}

function makePalette(theme: Theme): Palette {
  const stops = STOPS[theme].map(hexToRgb);
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = interpolate(stops, i / 255);
    lut.set([r, g, b, 255], i * 4);
  }
  const css = (t: number) => {
    const i = Math.round(Math.min(1, Math.max(0, t)) * 255) * 4;
    return `rgb(${lut[i]} ${lut[i + 1]} ${lut[i + 2]})`;
  };
  const gradient = `linear-gradient(to right, ${STOPS[theme].join(', ')})`;
  const textOn = (t: number) => {
    const i = Math.round(Math.min(1, Math.max(0, t)) * 255) * 4;
    const luminance = (0.2126 * lut[i] + 0.7152 * lut[i + 1] + 0.0722 * lut[i + 2]) / 255;
    return luminance > 0.5 ? '#161a23' : '#ffffff';
  };
  return { theme, lut, css, gradient, textOn };
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function interpolate(stops: [number, number, number][], t: number): [number, number, number] {
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** LUT index (0..255) of probability `p` on a scale. */
export function lutIndex(kind: ScaleKind, p: number): number {
  return Math.round(scalePosition(kind, p) * 255);
}

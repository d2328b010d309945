/**
 * The diverging colour scale of effects and attributions: 0 is the page's neutral colour,
 * negative values go to blue and positive ones to red (ColorBrewer's RdBu ends), linearly up to
 * ±`max`, clamped beyond. Pure functions; the SVG and PNG exports use the same colours.
 */
import type { Theme } from '../inspector/colour-scale.ts';

type Rgb = [number, number, number];

const ENDS: Record<Theme, { neg: Rgb; mid: Rgb; pos: Rgb }> = {
  light: { neg: [33, 102, 172], mid: [247, 247, 247], pos: [178, 24, 43] },
  dark: { neg: [103, 169, 207], mid: [31, 35, 45], pos: [239, 138, 98] },
};

/** The colour of `v` on a scale of ±max (max > 0), as [r, g, b]. Null values are neutral. */
export function divergingRgb(v: number | null, max: number, theme: Theme = 'light'): Rgb {
  const { neg, mid, pos } = ENDS[theme];
  if (v === null || !Number.isFinite(v) || !(max > 0)) return mid;
  const t = Math.max(-1, Math.min(1, v / max));
  const end = t < 0 ? neg : pos;
  const a = Math.abs(t);
  return [0, 1, 2].map((i) => Math.round(mid[i] + (end[i] - mid[i]) * a)) as Rgb;
}

export function divergingCss(v: number | null, max: number, theme: Theme = 'light'): string {
  const [r, g, b] = divergingRgb(v, max, theme);
  return `rgb(${r}, ${g}, ${b})`;
}

/** The scale's half-width for `values`: the largest |value| (at least `floor`). */
export function symmetricMax(
  values: readonly (readonly (number | null)[])[],
  floor = 1e-9,
): number {
  let m = floor;
  for (const row of values)
    for (const v of row) if (v !== null && Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/** Text that reads well on a cell of colour `rgb` (WCAG relative luminance). */
export function textOn(rgb: Rgb): string {
  const lin = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const L = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return L > 0.22 ? '#161a23' : '#ffffff';
}

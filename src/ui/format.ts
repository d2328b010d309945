/** Formatting of numbers and token text for display. Pure functions, no DOM. */

export { describeError, formatBytes } from '../util/format.ts';

/** 0.4213 -> "42.1%"; tiny but non-zero values do not round to a misleading "0.0%". */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p === 0) return '0%';
  if (p < 0.001) return '<0.1%';
  if (p > 0.999 && p < 1) return '>99.9%';
  return `${(p * 100).toFixed(p >= 0.1 ? 1 : 2).replace(/\.?0+$/, '')}%`;
}

/** 12.3 -> "12.3 ms", 1534 -> "1.53 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

/** 12.345 -> "12.3" (tokens/s and such). */
export function formatRate(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** Number with at most `digits` decimals, trailing zeros dropped: 0.80 -> "0.8". */
export function formatNumber(x: number, digits = 2): string {
  return x.toFixed(digits).replace(/\.?0+$/, '') || '0';
}

/**
 * A token's text with its whitespace made visible, for lists where a bare space would be
 * lost: " the" -> "␣the", "\n" -> "↵". Control characters show as their code.
 */
export function visibleToken(text: string): string {
  if (text === '') return '∅';
  let out = '';
  for (const ch of text) {
    if (ch === ' ') out += '␣';
    else if (ch === '\n') out += '↵';
    else if (ch === '\t') out += '⇥';
    else if (ch === '\r') out += '␍';
    else if (/\p{Cc}/u.test(ch)) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/**
 * A token's text for inline display in running text: spaces kept as they are (the chip shows
 * its edges), line breaks and tabs as visible marks. Returns the text and whether a line
 * break should follow the chip.
 */
export function inlineToken(text: string): { label: string; breaks: number } {
  const breaks = (text.match(/\n/g) ?? []).length;
  const label = text.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '');
  return { label: label === '' ? '∅' : label, breaks };
}

/** Probability bins of the token colour scale, most likely first. */
export const PROBABILITY_BINS = [
  { min: 0.8, label: '≥ 80%' },
  { min: 0.5, label: '50–80%' },
  { min: 0.2, label: '20–50%' },
  { min: 0.05, label: '5–20%' },
  { min: 0, label: '< 5%' },
] as const;

/** Index into PROBABILITY_BINS (and the --p-N colour tokens) for a probability. */
export function probabilityBin(p: number): number {
  const i = PROBABILITY_BINS.findIndex((b) => p >= b.min);
  return i < 0 ? PROBABILITY_BINS.length - 1 : i;
}

/** "T 0.8 · top-k 40 · top-p 0.95 · seed 42" (greedy and "off" spelled out). */
export function describeSampling(s: {
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}): string {
  if (s.temperature === 0) return 'greedy (T 0)';
  return [
    `T ${formatNumber(s.temperature, 3)}`,
    s.topK === 0 ? 'top-k off' : `top-k ${s.topK}`,
    s.topP === 1 ? 'top-p off' : `top-p ${formatNumber(s.topP, 3)}`,
    `seed ${s.seed}`,
  ].join(' · ');
}

/**
 * A measurement as JSON for people to read: fractions kept to 6 significant digits, so
 * timer noise such as 175.39999999990687 reads 175.4 (whole numbers are left as they are).
 */
export function figuresJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) =>
      typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)
        ? Number(v.toPrecision(6))
        : v,
    2,
  );
}

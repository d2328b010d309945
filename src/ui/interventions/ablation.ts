/**
 * The playground's head ablation as plain data: which heads, and how (zero, mean, or scale
 * by a factor), in the words the CLI uses (`--ablate 0.0,3.2 --ablate-mode scale:0.5`), which
 * are also the URL's and the run export's. One mode for the whole set, as the engine's
 * HeadAblation has. Pure functions, no DOM, no GPU.
 */
import {
  parseAblationMode,
  parseHeadList,
  type AblationMode,
  type HeadAblation,
  type HeadRef,
} from '../../inspect/interventions.ts';
import type { Gpt2Config } from '../../model/config.ts';
import { formatNumber } from '../format.ts';

export type { AblationMode, HeadRef };

export interface AblationSettings {
  /** Sorted by layer, then head; no duplicates. */
  heads: readonly HeadRef[];
  mode: AblationMode;
  /** The factor of 'scale', kept while another mode is chosen so the slider remembers it. */
  scale: number;
}

export const ABLATION_MODES: readonly AblationMode[] = ['zero', 'mean', 'scale'];

export const NO_ABLATION: AblationSettings = { heads: [], mode: 'zero', scale: 0.5 };

/** The slider's range; the number box takes any finite factor. */
export const SCALE_SLIDER = { min: -2, max: 3, step: 0.05 };

export function headLabel(h: HeadRef): string {
  return `L${h.layer}H${h.head}`;
}

export function isAblated(a: AblationSettings, layer: number, head: number): boolean {
  return a.heads.some((h) => h.layer === layer && h.head === head);
}

function sortHeads(heads: readonly HeadRef[]): HeadRef[] {
  const seen = new Set<string>();
  return [...heads]
    .sort((x, y) => x.layer - y.layer || x.head - y.head)
    .filter((h) => {
      const k = `${h.layer}.${h.head}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** `a` with (layer, head) ablated (`on`) or not. */
export function withHead(
  a: AblationSettings,
  layer: number,
  head: number,
  on: boolean,
): AblationSettings {
  const rest = a.heads.filter((h) => h.layer !== layer || h.head !== head);
  return { ...a, heads: sortHeads(on ? [...rest, { layer, head }] : rest) };
}

/** The engine's ablation, or null when no head is ablated (no intervention at all). */
export function engineAblation(a: AblationSettings): HeadAblation | null {
  if (a.heads.length === 0) return null;
  return { heads: a.heads, mode: a.mode, scale: a.mode === 'scale' ? a.scale : 0 };
}

/** "0.0,3.2": the CLI's --ablate and the URL's ablate. */
export function formatHeads(heads: readonly HeadRef[]): string {
  return heads.map((h) => `${h.layer}.${h.head}`).join(',');
}

/** "zero", "mean" or "scale:0.5": the CLI's --ablate-mode and the URL's ablate_mode. */
export function formatMode(a: Pick<AblationSettings, 'mode' | 'scale'>): string {
  return a.mode === 'scale' ? `scale:${a.scale}` : a.mode;
}

/** Identifies what the engine runs: equal keys, equal interventions ('' for none). */
export function ablationKey(a: AblationSettings): string {
  const e = engineAblation(a);
  return e ? `${formatHeads(e.heads)}|${formatMode(e)}` : '';
}

/** "L0H0, L3H2 zeroed", "L1H2 mean-ablated", "L0H0 scaled ×0.5"; '' for none. */
export function describeAblation(a: AblationSettings): string {
  if (a.heads.length === 0) return '';
  const heads = a.heads.map(headLabel).join(', ');
  if (a.mode === 'zero') return `${heads} zeroed`;
  if (a.mode === 'mean') return `${heads} mean-ablated`;
  return `${heads} scaled ×${formatNumber(a.scale, 3)}`;
}

/** A scale typed by the user: a finite number, else a message that says so. */
export function parseScale(raw: string): number {
  const s = raw.trim();
  const x = s === '' ? NaN : Number(s);
  if (!Number.isFinite(x)) {
    throw new RangeError(`the scale must be a finite number, such as 0.5 (got "${raw}")`);
  }
  return x;
}

/**
 * The URL's `ablate` and `ablate_mode` (null: absent) to settings. Never throws: what cannot
 * be used is dropped and said in `problems`.
 */
export function ablationFromParams(
  ablate: string | null,
  mode: string | null,
): { ablation: AblationSettings; problems: string[] } {
  const problems: string[] = [];
  let a: AblationSettings = NO_ABLATION;
  if (mode !== null) {
    try {
      const m = parseAblationMode(mode);
      a = { ...a, mode: m.mode, scale: m.mode === 'scale' ? m.scale : a.scale };
    } catch (e) {
      problems.push(`The link's ablate_mode is ignored: ${(e as Error).message}.`);
    }
  }
  if (ablate !== null && ablate.trim() !== '') {
    try {
      a = { ...a, heads: sortHeads(parseHeadList(ablate)) };
    } catch (e) {
      problems.push(`The link's ablate is ignored: ${(e as Error).message}.`);
    }
  }
  return { ablation: a, problems };
}

/** `a` without the heads `config` does not have, and a message naming them (null: all fit). */
export function fitAblation(
  a: AblationSettings,
  config: Pick<Gpt2Config, 'nLayer' | 'nHead'>,
): { ablation: AblationSettings; dropped: string | null } {
  const fits = (h: HeadRef) => h.layer < config.nLayer && h.head < config.nHead;
  const bad = a.heads.filter((h) => !fits(h));
  if (bad.length === 0) return { ablation: a, dropped: null };
  return {
    ablation: { ...a, heads: a.heads.filter(fits) },
    dropped:
      `${bad.map(headLabel).join(', ')} ${bad.length === 1 ? 'does' : 'do'} not exist in this ` +
      `model (layers 0..${config.nLayer - 1}, heads 0..${config.nHead - 1}), so ` +
      `${bad.length === 1 ? 'it is' : 'they are'} not ablated.`,
  };
}

/**
 * Head roles: what each attention head mostly looks at, scored from the engine's attention
 * maps on one input. By default the input is `<|endoftext|>` then R random tokens twice, so
 * that a head that copies from "the token after this one's earlier occurrence" (an induction
 * head) has something to find. Scores, for the map A (row i = where query i attends) of
 * n = ids.length tokens and R = floor((n - 1) / 2):
 *   previous  = mean over i in 1..n-1 of A[i][i-1]
 *   first     = mean over i in 1..n-1 of A[i][0]
 *   self      = mean over i in 1..n-1 of A[i][i]
 *   induction = mean over i in R+1..2R of A[i][i-R+1]
 * Each lies in [0, 1]. ROLE_THRESHOLDS says when the playground labels a head.
 */
import type { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { Rng } from '../generation/rng.ts';

export type RoleName = 'previous' | 'first' | 'self' | 'induction';
export const ROLE_NAMES: readonly RoleName[] = ['previous', 'first', 'self', 'induction'];

/** A head is labelled with a role when its score reaches this (most of its attention). */
export const ROLE_THRESHOLD = 0.4;

export interface HeadRoles {
  ids: number[];
  /** Each [L][H]. */
  previous: number[][];
  first: number[][];
  self: number[][];
  induction: number[][];
}

/** Random tokens come from ids 256..4999 when the vocabulary has them: whole, common BPE
 * pieces rather than raw bytes or rare merges (for a small model trained on a narrow corpus,
 * rare tokens are often ones it never saw, which it cannot tell apart). */
const RANDOM_LO = 256;
const RANDOM_HI = 5000;
export const ROLE_MAX_R = 50;

/**
 * The default input: [bos, t1..tR, t1..tR] with R = min(50, floor((n_positions - 1) / 2))
 * distinct random ids (PCG32 with `seed`). bos is <|endoftext|> (50256) when the vocabulary
 * has it, else its last id.
 */
export function defaultRoleIds(vocabSize: number, nPositions: number, seed = 0): number[] {
  const bos = Math.min(50256, vocabSize - 1);
  const big = vocabSize > RANDOM_HI;
  const lo = big ? RANDOM_LO : 0;
  const hi = big ? RANDOM_HI : vocabSize;
  const pool = hi - lo - (bos >= lo && bos < hi ? 1 : 0);
  const R = Math.min(ROLE_MAX_R, Math.floor((nPositions - 1) / 2), pool);
  if (R < 1) throw new RangeError(`head roles need a context of at least 3 tokens and 2 ids`);
  const rng = new Rng(seed);
  const picked = new Set<number>();
  const seq: number[] = [];
  while (seq.length < R) {
    const id = lo + Math.floor(rng.next() * (hi - lo));
    if (id === bos || picked.has(id)) continue;
    picked.add(id);
    seq.push(id);
  }
  return [bos, ...seq, ...seq];
}

/** The four scores of one head from its [n, n] attention map. */
export function scoreHead(probs: ArrayLike<number>, n: number): Record<RoleName, number> {
  if (n < 2) throw new RangeError(`head roles need at least 2 tokens, got ${n}`);
  const R = Math.floor((n - 1) / 2);
  let previous = 0;
  let first = 0;
  let self = 0;
  for (let i = 1; i < n; i++) {
    previous += probs[i * n + i - 1];
    first += probs[i * n];
    self += probs[i * n + i];
  }
  let induction = 0;
  for (let i = R + 1; i <= 2 * R; i++) induction += probs[i * n + i - R + 1];
  return {
    previous: previous / (n - 1),
    first: first / (n - 1),
    self: self / (n - 1),
    // R = 0 (two tokens) has no second copy to score.
    induction: R > 0 ? induction / R : 0,
  };
}

/**
 * Scores every head of the loaded model on `ids` (default: defaultRoleIds with `seed`): one
 * forward, then each head's exact attention map from the GPU.
 */
export async function computeHeadRoles(
  engine: Gpt2Engine,
  options: { ids?: readonly number[]; seed?: number } = {},
): Promise<HeadRoles> {
  const { nLayer, nHead, vocabSize, nPositions } = engine.config;
  const ids = options.ids
    ? [...options.ids]
    : defaultRoleIds(vocabSize, nPositions, options.seed ?? 0);
  if (ids.length < 2) throw new RangeError(`head roles need at least 2 tokens, got ${ids.length}`);
  await engine.logitsAfter(ids);
  const out: HeadRoles = { ids, previous: [], first: [], self: [], induction: [] };
  for (let l = 0; l < nLayer; l++) {
    for (const name of ROLE_NAMES) out[name].push([]);
    for (let h = 0; h < nHead; h++) {
      const map = await engine.attention(l, h);
      const s = scoreHead(map.probs, map.n);
      for (const name of ROLE_NAMES) out[name][l].push(s[name]);
    }
  }
  return out;
}

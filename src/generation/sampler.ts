/**
 * Chooses the next token from what the GPU read back: the largest logits (TOPK_ENTRIES:
 * the CANDIDATES plus one more) and the softmax normalisers over the whole vocabulary
 * (see docs/engine-design.md, "Sampling on the GPU, settings on the CPU"). The distribution
 * sampled from is always the one a full HF-style pass over all V logits gives: when the
 * candidates cannot prove which tokens the settings keep, the answer is
 * `{needsFullLogits: true}` and the caller reads the logits back and calls
 * selectFromFullLogits.
 *
 * Sampling: the kept tokens are walked in sorted order (logit descending, lower id first)
 * and the first whose cumulative probability exceeds `u` is taken, so one uniform draw in
 * [0, 1) decides the token and both paths agree on it. Greedy (temperature 0) takes the
 * argmax (lower id on ties) with probability 1 and ignores `u`: the loop draws nothing.
 */
import { CANDIDATES, type Candidate, type LogitStats } from '../model/readback.ts';
import {
  canonicalLogit,
  prefixReaching,
  sortedOrder,
  temperatureWeights,
  topKKeepCount,
  topPKeepCount,
} from './logits-processors.ts';
import { isGreedy, type SamplingSettings } from './sampling-settings.ts';

export type { Candidate, LogitStats };

/** One of the top tokens, with what each stage of the settings made of it. */
export interface CandidateProb {
  id: number;
  logit: number;
  /** Probability after temperature, top-k and top-p (0 if filtered out). */
  prob: number;
  /** Probability at the applied temperature, before top-k and top-p. */
  probBeforeFilter: number;
  /** The model's own probability (temperature 1, no filtering). */
  modelProb: number;
}

export interface SampledToken {
  token: number;
  /** The chosen token's probability under the settings. */
  prob: number;
  /** The CANDIDATES top tokens by logit, best first (all of them when V is smaller). */
  distribution: CandidateProb[];
}

export interface NeedsFullLogits {
  needsFullLogits: true;
  /** Why the candidates were not enough, for logs and the UI. */
  reason: string;
}

export type Selection = SampledToken | NeedsFullLogits;

/**
 * The relative error allowed on the GPU's f32 sums (50257 terms, each an f32 exp with a few
 * ulp of error): a top-p boundary closer than this to where the sums put it is not trusted.
 */
export const STATS_RELATIVE_ERROR = 1e-4;

/**
 * Samples from `candidates` (the topk kernel's output, parseCandidates' default: the
 * min(V, TOPK_ENTRIES) largest logits, best first) and `stats` (the logsumexp output at
 * inverseTemperature(settings)). Fewer than CANDIDATES candidates means they are the whole
 * vocabulary, unless `vocabSize` says otherwise. `u`: one uniform draw in [0, 1), ignored
 * when greedy.
 *
 * The kept set is proven to lie among the candidates when:
 * - top-k is on with k < candidates and the k-th value's ties end before the last
 *   candidate (so with the 65 read back, top-k up to 64 is decided unless a tie crosses
 *   the edge): the set, and so top-p on it, is known exactly;
 * - otherwise (top-k off or beyond the candidates), top-p < 1 and the nucleus boundary is
 *   the same for every total mass of the top-k set the stats allow (within
 *   STATS_RELATIVE_ERROR).
 * Else `{needsFullLogits: true}`.
 */
export function selectFromCandidates(
  candidates: readonly Candidate[],
  stats: LogitStats,
  settings: SamplingSettings,
  u: number,
  vocabSize?: number,
): Selection {
  const n = candidates.length;
  if (n === 0) throw new RangeError('selectFromCandidates: no candidates');
  if (vocabSize !== undefined && !(Number.isInteger(vocabSize) && vocabSize >= n)) {
    throw new RangeError(`selectFromCandidates: vocabSize ${vocabSize} < ${n} candidates`);
  }
  const logits = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logits[i] = checkedLogit(candidates[i].logit);
    if (
      i > 0 &&
      (logits[i] > logits[i - 1] ||
        (logits[i] === logits[i - 1] && candidates[i].id <= candidates[i - 1].id))
    ) {
      throw new RangeError(
        `selectFromCandidates: candidates must be sorted by logit descending, then id ascending (at index ${i})`,
      );
    }
  }
  if (logits[0] === -Infinity) throw new RangeError('selectFromCandidates: no finite logit');
  if (stats.max !== logits[0]) {
    throw new Error(
      `selectFromCandidates: the stats' max ${stats.max} is not the top candidate's logit ${logits[0]}: ` +
        'they were computed from different logits',
    );
  }
  const complete = vocabSize === undefined ? n < CANDIDATES : n === vocabSize;
  const V = complete ? n : vocabSize;
  const modelProb = (i: number) => Math.exp(logits[i] - stats.max) / stats.sumExp;

  if (isGreedy(settings)) return greedy(candidates.slice(0, CANDIDATES), logits, modelProb);
  checkDraw(u);
  const invT = 1 / settings.temperature;
  if (
    stats.invTemperature !== undefined &&
    Math.fround(stats.invTemperature) !== Math.fround(invT)
  ) {
    throw new Error(
      `selectFromCandidates: the logsumexp stats were taken at inverse temperature ${stats.invTemperature}, ` +
        `but the settings ask for temperature ${settings.temperature}: run logsumexp with inverseTemperature(settings)`,
    );
  }
  // Relative to stats.max (= logits[0]) so the weights share the GPU sums' scale.
  const w = temperatureWeights(logits, n, stats.max, settings.temperature);
  const k = settings.topK;
  const topKOff = k === 0 || (V !== undefined && k >= V);

  let kept: number;
  if (!topKOff && k <= n) {
    const m = topKKeepCount(logits, n, k);
    if (m === n && !complete) {
      return fallback(`top-k = ${k}: the k-th value may have ties past the ${n} candidates`);
    }
    kept = topPKeepCount(w, m, settings.topP);
  } else if (complete) {
    kept = topPKeepCount(w, n, settings.topP);
  } else if (settings.topP >= 1) {
    return fallback(
      topKOff
        ? 'top-k and top-p are off: every token can be drawn'
        : `top-k = ${k} keeps more tokens than the ${n} candidates`,
    );
  } else {
    // The top-k set is the candidates plus tokens not seen here: bound its mass Zk between
    // lo and hi. The GPU sum is trusted to STATS_RELATIVE_ERROR; C (candidates only) is exact.
    let C = 0;
    for (let i = 0; i < n; i++) C += w[i];
    const zMin = Math.max(C, stats.sumExpTemperature * (1 - STATS_RELATIVE_ERROR));
    const hi = Math.max(C, stats.sumExpTemperature * (1 + STATS_RELATIVE_ERROR));
    let lo = zMin;
    if (!topKOff) {
      lo = C;
      if (V !== undefined) {
        // The <= V - k tokens top-k drops each weigh <= the last candidate and, being the
        // smallest of the V - n unseen ones, hold at most their share of the unseen mass.
        lo = Math.max(lo, zMin - (V - k) * w[n - 1], C + ((zMin - C) * (k - n)) / (V - n));
      }
    }
    const first = prefixReaching(w, n, settings.topP * lo);
    const last = prefixReaching(w, n, settings.topP * hi);
    if (last === null) {
      return fallback(`the top-p = ${settings.topP} nucleus reaches past the ${n} candidates`);
    }
    if (first !== last) {
      return fallback(`the top-p = ${settings.topP} boundary is too close to call from the sums`);
    }
    kept = last;
  }

  const probs = normalise(w, kept);
  const index = sampleIndex(probs, kept, u);
  const distribution = candidates.slice(0, CANDIDATES).map((c, i) => ({
    id: c.id,
    logit: logits[i],
    prob: i < kept ? probs[i] : 0,
    probBeforeFilter: w[i] / stats.sumExpTemperature,
    modelProb: modelProb(i),
  }));
  return { token: candidates[index].id, prob: probs[index], distribution };
}

/**
 * The same choice from all V logits, for when the candidates were not enough (and as the
 * plain CPU sampler). `distribution` holds the CANDIDATES largest, for display.
 */
export function selectFromFullLogits(
  logits: Float32Array,
  settings: SamplingSettings,
  u: number,
): SampledToken {
  const V = logits.length;
  if (V === 0) throw new RangeError('selectFromFullLogits: no logits');
  const order = sortedOrder(logits);
  const sorted = new Float64Array(V);
  for (let r = 0; r < V; r++) sorted[r] = checkedLogit(logits[order[r]]);
  const max = sorted[0];
  if (max === -Infinity) throw new RangeError('selectFromFullLogits: no finite logit');
  const shown = Math.min(V, CANDIDATES);
  let sumExp = 0;
  for (let r = 0; r < V; r++) sumExp += Math.exp(sorted[r] - max);
  const modelProb = (r: number) => Math.exp(sorted[r] - max) / sumExp;
  const top = Array.from(order.subarray(0, shown), (id, r) => ({ id, logit: sorted[r] }));

  if (isGreedy(settings)) return greedy(top, sorted, modelProb);
  checkDraw(u);
  const w = temperatureWeights(sorted, V, max, settings.temperature);
  let sumExpT = 0;
  for (let r = 0; r < V; r++) sumExpT += w[r];
  const m = topKKeepCount(sorted, V, settings.topK);
  const kept = topPKeepCount(w, m, settings.topP);
  const probs = normalise(w, kept);
  const index = sampleIndex(probs, kept, u);
  const distribution = top.map((c, r) => ({
    id: c.id,
    logit: c.logit,
    prob: r < kept ? probs[r] : 0,
    probBeforeFilter: w[r] / sumExpT,
    modelProb: modelProb(r),
  }));
  return { token: order[index], prob: probs[index], distribution };
}

/**
 * Index of the first of `count` probabilities whose running sum exceeds u; if rounding
 * leaves the total below u, the last one with a non-zero probability.
 */
export function sampleIndex(probs: ArrayLike<number>, count: number, u: number): number {
  let acc = 0;
  let lastNonZero = 0;
  for (let i = 0; i < count; i++) {
    if (probs[i] > 0) lastNonZero = i;
    acc += probs[i];
    if (acc > u) return i;
  }
  return lastNonZero;
}

function greedy(
  top: readonly Candidate[],
  logits: ArrayLike<number>,
  modelProb: (i: number) => number,
): SampledToken {
  // At temperature 0 the applied distribution is the point mass on the argmax, before the
  // filters as after (they always keep the argmax).
  const distribution = top.map((c, i) => ({
    id: c.id,
    logit: logits[i],
    prob: i === 0 ? 1 : 0,
    probBeforeFilter: i === 0 ? 1 : 0,
    modelProb: modelProb(i),
  }));
  return { token: top[0].id, prob: 1, distribution };
}

function normalise(w: Float64Array, count: number): Float64Array {
  let total = 0;
  for (let i = 0; i < count; i++) total += w[i];
  const probs = new Float64Array(count);
  for (let i = 0; i < count; i++) probs[i] = w[i] / total;
  return probs;
}

function checkedLogit(x: number): number {
  const l = canonicalLogit(x);
  if (l === Infinity) throw new RangeError('sampling: a logit is +Infinity; logits must be finite');
  return l;
}

function checkDraw(u: number): void {
  if (!(u >= 0 && u < 1))
    throw new RangeError(`sampling: the uniform draw must be in [0, 1), got ${u}`);
}

function fallback(reason: string): NeedsFullLogits {
  return { needsFullLogits: true, reason };
}

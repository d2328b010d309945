/**
 * Sampling done the plain way over the whole vocabulary, as Hugging Face transformers does
 * it (TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, then softmax), in f64.
 * Two choices HF leaves open are fixed here as the engine fixes them: ties are ordered by
 * lower id first, and a draw u in [0, 1) takes the first token, in that order, whose
 * cumulative probability exceeds u. NaN logits count as -inf.
 */

export interface RefSettings {
  temperature: number;
  topK: number;
  topP: number;
}

export interface RefCandidate {
  id: number;
  logit: number;
}

function canonical(x: number): number {
  return Number.isNaN(x) ? -Infinity : x === 0 ? 0 : x;
}

/** Ids sorted by value descending, ties by lower id first. (Functions below take it as an
 * optional argument only to save re-sorting in tests that call them many times.) */
export function descendingOrderRef(values: ArrayLike<number>): number[] {
  const ids = Array.from({ length: values.length }, (_, i) => i);
  return ids.sort((a, b) => {
    const va = canonical(values[a]);
    const vb = canonical(values[b]);
    return va !== vb ? vb - va : a - b;
  });
}

/** The k largest logits (all V when V < k), best first, NaN as -inf and -0 as 0. */
export function topKRef(logits: ArrayLike<number>, k: number): RefCandidate[] {
  return descendingOrderRef(logits)
    .slice(0, k)
    .map((id) => ({ id, logit: canonical(logits[id]) }));
}

/**
 * (max, sum exp(l - max), sum exp((l - max) * invTemperature)) in f64; NaN and -inf
 * logits contribute nothing.
 */
export function logSumExpRef(
  logits: ArrayLike<number>,
  invTemperature: number,
): { max: number; sumExp: number; sumExpTemperature: number; invTemperature: number } {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, canonical(logits[i]));
  let sumExp = 0;
  let sumExpTemperature = 0;
  if (max > -Infinity) {
    for (let i = 0; i < logits.length; i++) {
      const d = canonical(logits[i]) - max;
      sumExp += Math.exp(d);
      sumExpTemperature += Math.exp(d * invTemperature);
    }
  }
  return { max, sumExp, sumExpTemperature, invTemperature };
}

function softmax(scores: Float64Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += out[i] = Math.exp(scores[i] - max);
  for (let i = 0; i < scores.length; i++) out[i] /= sum;
  return out;
}

/**
 * The probability of every token under the settings: greedy (temperature 0) is the point
 * mass on the argmax (lower id on ties); otherwise scores = logits / T, then top-k sets
 * scores below the k-th largest to -inf, then top-p sorts ascending, takes the softmax's
 * cumulative sum and removes tokens whose cumulative probability is <= 1 - top_p (never
 * the most likely one), then softmax.
 */
export function samplingProbsRef(
  logits: ArrayLike<number>,
  settings: RefSettings,
  order: readonly number[] = descendingOrderRef(logits),
): Float64Array {
  const V = logits.length;
  if (settings.temperature === 0) {
    const probs = new Float64Array(V);
    probs[order[0]] = 1;
    return probs;
  }
  const scores = new Float64Array(V);
  for (let i = 0; i < V; i++) scores[i] = canonical(logits[i]) / settings.temperature;

  const k = Math.min(settings.topK, V);
  if (k > 0) {
    const kth = scores[order[k - 1]];
    for (let i = 0; i < V; i++) if (scores[i] < kth) scores[i] = -Infinity;
  }

  if (settings.topP < 1) {
    const ascending = [...order].reverse();
    const sortedProbs = softmax(Float64Array.from(ascending, (id) => scores[id]));
    let cumulative = 0;
    for (let r = 0; r < V - 1; r++) {
      cumulative += sortedProbs[r];
      if (cumulative <= 1 - settings.topP) scores[ascending[r]] = -Infinity;
    }
  }
  return softmax(scores);
}

/** The token a draw u in [0, 1) picks: walk tokens by logit descending, sum probabilities. */
export function sampleRef(
  logits: ArrayLike<number>,
  probs: Float64Array,
  u: number,
  order: readonly number[] = descendingOrderRef(logits),
): number {
  let cumulative = 0;
  let lastNonZero = order[0];
  for (const id of order) {
    if (probs[id] > 0) lastNonZero = id;
    cumulative += probs[id];
    if (cumulative > u) return id;
  }
  return lastNonZero;
}

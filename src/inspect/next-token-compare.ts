/**
 * The next-token distribution with and without the engine's intervention (its forward hook,
 * e.g. a head ablation), for the playground's side-by-side view. Both are the model's own
 * probabilities (softmax of the logits at temperature 1, no top-k or top-p) over the
 * vocabulary it samples from, and
 *   KL(original ‖ intervened) = sum_v p(v) (log p(v) - log q(v))   (nats)
 * is computed from log-softmaxes in f64, so a token the intervention makes vanishingly
 * unlikely adds a large finite term rather than Infinity.
 */
import type { Gpt2Engine } from '../generation/gpt2-engine.ts';

/** A token with its probability under both models. */
export interface TokenPair {
  id: number;
  original: number;
  intervened: number;
}

export interface NextTokenComparison {
  /** The context the next token follows. */
  ids: number[];
  /** The top tokens of the original model, likeliest first. */
  original: TokenPair[];
  /** The top tokens under the intervention, likeliest first. */
  intervened: TokenPair[];
  /** KL(original ‖ intervened) in nats; 0 when nothing changed. */
  kl: number;
}

/** log-softmax of logits[0 .. n-1], in f64. */
function logSoftmax(logits: ArrayLike<number>, n: number): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < n; v++) if (logits[v] > max) max = logits[v];
  let sum = 0;
  for (let v = 0; v < n; v++) sum += Math.exp(logits[v] - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(n);
  for (let v = 0; v < n; v++) out[v] = logits[v] - lse;
  return out;
}

/** Ids of the `k` largest values, largest first (ties: lower id first). */
function topIds(logp: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (let v = 0; v < logp.length; v++) {
    if (best.length === k && logp[v] <= logp[best[k - 1]]) continue;
    let i = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(v);
    while (i > 0 && logp[best[i - 1]] < logp[v]) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = v;
  }
  return best;
}

/**
 * Compares two logit vectors of one context over their first `vocab` entries: the top `topN`
 * of each with both probabilities, and KL(original ‖ intervened).
 */
export function compareLogits(
  ids: readonly number[],
  original: ArrayLike<number>,
  intervened: ArrayLike<number>,
  vocab: number,
  topN = 10,
): NextTokenComparison {
  if (vocab < 1 || original.length < vocab || intervened.length < vocab) {
    throw new RangeError(
      `comparing next-token distributions needs ${vocab} logits each (got ${original.length} and ${intervened.length})`,
    );
  }
  const p = logSoftmax(original, vocab);
  const q = logSoftmax(intervened, vocab);
  let kl = 0;
  for (let v = 0; v < vocab; v++) {
    const pv = Math.exp(p[v]);
    if (pv > 0) kl += pv * (p[v] - q[v]);
  }
  const pair = (id: number): TokenPair => ({
    id,
    original: Math.exp(p[id]),
    intervened: Math.exp(q[id]),
  });
  const k = Math.min(topN, vocab);
  return {
    ids: [...ids],
    original: topIds(p, k).map(pair),
    intervened: topIds(q, k).map(pair),
    // Rounding can leave a tiny negative where the two are equal.
    kl: Math.max(0, kl),
  };
}

/**
 * The next token after `ids` with the engine's current forward hook (the intervention) and
 * without it. Two prefills: the original model first, then the intervened one, so the KV cache
 * is left holding `ids` under the intervention, as the next run or view wants it. A hook that
 * holds state from an earlier prompt (mean ablation's means) keeps it.
 */
export async function compareNextToken(
  engine: Gpt2Engine,
  ids: readonly number[],
  topN = 10,
): Promise<NextTokenComparison> {
  if (ids.length === 0) throw new RangeError('the next token needs a context of at least 1 token');
  const hook = engine.model.forwardHook;
  let original: Float32Array;
  engine.setForwardHook(null);
  try {
    original = await engine.logitsAfter(ids);
  } finally {
    engine.setForwardHook(hook);
  }
  const intervened = await engine.logitsAfter(ids);
  return compareLogits(ids, original, intervened, engine.model.sampleVocab, topN);
}

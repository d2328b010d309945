/**
 * The logits processors of Hugging Face transformers (TemperatureLogitsWarper,
 * TopKLogitsWarper, TopPLogitsWarper), applied in that order, as small pure functions.
 *
 * All three keep a prefix of the vocabulary sorted by logit descending (ties: lower id
 * first, the order the topk kernel outputs), so they work on that sorted order and answer
 * "how many leading entries survive". Dividing by a temperature > 0 keeps the order, so
 * top-k may compare raw logits. Everything is computed in f64 from the f32 logits.
 *
 * Both samplers (from the GPU candidates and from the full logits) call these same
 * functions on the same sorted values, so when both can decide they decide identically.
 */

/** A logit as the engine reads it: NaN counts as -inf, -0 as 0 (as topk.wgsl does). */
export function canonicalLogit(x: number): number {
  if (Number.isNaN(x)) return -Infinity;
  return x === 0 ? 0 : x;
}

const ID_BITS = 2 ** 21;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Ids of `logits` sorted by logit descending, ties by lower id first (NaN last, as -inf).
 * Sorts one f64 key per entry natively: the f32's order-preserving 32-bit image times 2^21
 * plus the inverted id, exact below 2^53. Hence the V < 2^21 limit (GPT-2's is 50257).
 */
export function sortedOrder(logits: Float32Array): Uint32Array {
  const V = logits.length;
  if (V >= ID_BITS) throw new RangeError(`sortedOrder: at most ${ID_BITS - 1} logits, got ${V}`);
  const keys = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    f32[0] = canonicalLogit(logits[i]);
    const bits = u32[0];
    const ordered = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
    keys[i] = ordered * ID_BITS + (ID_BITS - 1 - i);
  }
  keys.sort();
  const order = new Uint32Array(V);
  for (let r = 0; r < V; r++) order[r] = ID_BITS - 1 - (keys[V - 1 - r] % ID_BITS);
  return order;
}

/**
 * Temperature: the softmax numerators of logits / temperature, taken relative to `max`
 * (the largest logit) so none overflows: exp((l - max) / temperature). Entries of -inf
 * give 0. The first `count` entries of `sortedLogits` are used.
 */
export function temperatureWeights(
  sortedLogits: ArrayLike<number>,
  count: number,
  max: number,
  temperature: number,
): Float64Array {
  const invT = 1 / temperature;
  const w = new Float64Array(count);
  for (let i = 0; i < count; i++) w[i] = Math.exp((sortedLogits[i] - max) * invT);
  return w;
}

/**
 * Top-k: how many of the `count` leading entries are >= the k-th largest (ties at the
 * boundary are all kept, as HF's `scores < kth_value` mask does). k = 0 or k >= count:
 * all of them.
 */
export function topKKeepCount(sortedLogits: ArrayLike<number>, count: number, k: number): number {
  if (k === 0 || k >= count) return count;
  const kth = sortedLogits[k - 1];
  let m = k;
  while (m < count && sortedLogits[m] >= kth) m++;
  return m;
}

/**
 * The smallest n >= 1 such that weights[0] + ... + weights[n - 1] >= target, looking at
 * the first `count` only; null when they never reach it.
 */
export function prefixReaching(
  weights: ArrayLike<number>,
  count: number,
  target: number,
): number | null {
  let acc = 0;
  for (let i = 0; i < count; i++) {
    acc += weights[i];
    if (acc >= target) return i + 1;
  }
  return null;
}

/**
 * Top-p over the `count` entries that survived top-k: the smallest prefix whose share of
 * their total weight reaches topP, at least one entry. topP = 1: all of them (HF does not
 * apply the warper then, which also keeps the zero-probability tail).
 */
export function topPKeepCount(weights: ArrayLike<number>, count: number, topP: number): number {
  if (topP >= 1) return count;
  let total = 0;
  for (let i = 0; i < count; i++) total += weights[i];
  // Rounding can leave the running sum a hair below topP * total at the very end.
  return prefixReaching(weights, count, topP * total) ?? count;
}

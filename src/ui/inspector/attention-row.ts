/**
 * Where one token attends, as weights over the context it can see: the row of one head's
 * attention map, or the mean of a layer's heads' rows. What the attention-on-text view
 * shades the words by. Pure functions over the engine's [n, n] maps: no DOM, no GPU.
 */

/** One head's map as the engine returns it: [n, n] row-major, zeros above the diagonal. */
export interface HeadMap {
  n: number;
  probs: Float32Array;
}

/**
 * Row `row` of the mean of `maps` (every map of the same n): entry j is how much token
 * `row` attends to token j, 0 for j > row. Sums to 1 over j <= row. Throws RangeError for
 * no maps, maps of different sizes or a row outside them.
 */
export function attentionRow(maps: readonly HeadMap[], row: number): Float64Array {
  if (maps.length === 0) throw new RangeError('attentionRow: no maps');
  const n = maps[0].n;
  if (!Number.isInteger(row) || row < 0 || row >= n) {
    throw new RangeError(`attentionRow: row ${row} is outside the ${n} tokens of the map`);
  }
  const out = new Float64Array(n);
  for (const m of maps) {
    if (m.n !== n || m.probs.length !== n * n) {
      throw new RangeError(`attentionRow: maps of ${m.n} and ${n} tokens cannot be averaged`);
    }
    for (let j = 0; j <= row; j++) out[j] += m.probs[row * n + j];
  }
  for (let j = 0; j <= row; j++) out[j] /= maps.length;
  return out;
}

/** Indices of the `k` largest weights, largest first (ties: earlier token first). */
export function strongest(weights: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: weights.length }, (_, j) => j)
    .filter((j) => weights[j] > 0)
    .sort((a, b) => weights[b] - weights[a] || a - b)
    .slice(0, k);
}

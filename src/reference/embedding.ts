/**
 * out[t, c] = wte[ids[t], c] + wpe[pos0 + t, c].
 * wte [V, C], wpe [P, C], out [T, C] with T = ids.length; f32 values (for f16 weights,
 * pass them through roundToF16 first).
 */
export function embeddingRef(
  ids: ArrayLike<number>,
  wte: Float32Array,
  wpe: Float32Array,
  C: number,
  pos0: number,
): Float32Array {
  const T = ids.length;
  const V = wte.length / C;
  const P = wpe.length / C;
  if (pos0 + T > P) throw new RangeError(`embedding: positions ${pos0}..${pos0 + T - 1} >= P=${P}`);
  const out = new Float32Array(T * C);
  for (let t = 0; t < T; t++) {
    const id = ids[t];
    if (!(id >= 0 && id < V)) throw new RangeError(`embedding: token id ${id} not in [0, ${V})`);
    for (let c = 0; c < C; c++) out[t * C + c] = wte[id * C + c] + wpe[(pos0 + t) * C + c];
  }
  return out;
}

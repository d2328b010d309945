/**
 * The tied LM head: out[v] = sum_c x[c] wte[v, c] for v < V, accumulated in double
 * precision. x [C] (one position), wte [V, C] rows.
 */
export function logitsRef(
  x: Float32Array,
  wte: Float32Array,
  { C, V }: { C: number; V: number },
): Float32Array {
  if (x.length < C || wte.length < V * C) {
    throw new RangeError(`logits: buffers too small for C=${C} V=${V}`);
  }
  const out = new Float32Array(V);
  for (let v = 0; v < V; v++) {
    let s = 0;
    const row = v * C;
    for (let c = 0; c < C; c++) s += x[c] * wte[row + c];
    out[v] = s;
  }
  return out;
}

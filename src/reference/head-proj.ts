/**
 * Each head's share of attn.c_proj at one position: [NH, C], row h = z[h*HS .. (h+1)*HS) @
 * W[h*HS .. (h+1)*HS, :], W [C, C] in Conv1D layout. Double-precision sums.
 */
export function headProjRef(
  z: ArrayLike<number>,
  W: Float32Array,
  C: number,
  NH: number,
): Float64Array {
  const HS = C / NH;
  const out = new Float64Array(NH * C);
  for (let h = 0; h < NH; h++)
    for (let k = h * HS; k < (h + 1) * HS; k++)
      for (let n = 0; n < C; n++) out[h * C + n] += z[k] * W[k * C + n];
  return out;
}

/**
 * LayerNorm of rows first_row .. first_row + rows - 1 of input [*, C] into out [rows, C]:
 * y = (x - mean) / sqrt(var + eps) * gamma + beta, biased variance, in double precision.
 */
export function layernormRef(
  input: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  sizes: { rows: number; C: number; first_row: number; eps: number },
): Float32Array {
  const { rows, C, first_row, eps } = sizes;
  if ((first_row + rows) * C > input.length)
    throw new RangeError(`layernorm: rows ${first_row}..${first_row + rows - 1} beyond input`);
  const out = new Float32Array(rows * C);
  for (let r = 0; r < rows; r++) {
    const x0 = (first_row + r) * C;
    let mean = 0;
    for (let c = 0; c < C; c++) mean += input[x0 + c];
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (input[x0 + c] - mean) ** 2;
    variance /= C;
    const rstd = 1 / Math.sqrt(variance + eps);
    for (let c = 0; c < C; c++) out[r * C + c] = (input[x0 + c] - mean) * rstd * gamma[c] + beta[c];
  }
  return out;
}

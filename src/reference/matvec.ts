import { gelu } from './gelu.ts';

/**
 * out[n] = act(sum_k W[n, k] x[k] + bias[n]) (+ residual[n]) for n < N, accumulated in
 * double precision, W row per output [N, K] (the transpose of GPT-2's Conv1D [K, N]):
 * the readable spec of matvec_v2.wgsl.
 */
export function matvecRef(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  { K, N }: { K: number; N: number },
  options: { gelu?: boolean; residual?: Float32Array } = {},
): Float32Array {
  if (x.length < K || weight.length < K * N || (bias && bias.length < N)) {
    throw new RangeError(`matvec: buffers too small for K=${K} N=${N}`);
  }
  const out = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += weight[n * K + k] * x[k];
    if (bias) s += bias[n];
    if (options.gelu) s = gelu(s);
    if (options.residual) s += options.residual[n];
    out[n] = s;
  }
  return out;
}

/** out[c, r] = src[r, c]: src [rows, cols] row-major to [cols, rows] (relayout.wgsl). */
export function transposeRef<A extends Float32Array | Uint16Array>(
  src: A,
  rows: number,
  cols: number,
  make: (n: number) => A,
): A {
  if (src.length < rows * cols)
    throw new RangeError(`transpose: src too small for [${rows}, ${cols}]`);
  const out = make(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

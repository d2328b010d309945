import { gelu } from './gelu.ts';

export interface LinearRefOptions {
  /** Apply GPT-2's tanh GELU to in @ W + bias. */
  gelu?: boolean;
  /** The prior contents of out [T, N]: returns residual + result (the `accumulate` mode). */
  residual?: Float32Array;
}

/**
 * out[t, n] = act(sum_k input[t, k] W[k, n] + bias[n]) (+ residual[t, n]), accumulated in
 * double precision. input [T, K], W in Conv1D layout [K, N] ([in, out]), bias [N].
 */
export function linearRef(
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  { T, K, N }: { T: number; K: number; N: number },
  options: LinearRefOptions = {},
): Float32Array {
  if (input.length < T * K || weight.length < K * N || bias.length < N) {
    throw new RangeError(`linear: buffers too small for T=${T} K=${K} N=${N}`);
  }
  if (options.residual && options.residual.length < T * N) {
    throw new RangeError(`linear: residual has ${options.residual.length} values, needs ${T * N}`);
  }
  const out = new Float32Array(T * N);
  const row = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const x = input[t * K + k];
      const w = k * N;
      for (let n = 0; n < N; n++) row[n] += x * weight[w + n];
    }
    for (let n = 0; n < N; n++) {
      let v = row[n] + bias[n];
      if (options.gelu) v = gelu(v);
      if (options.residual) v += options.residual[t * N + n];
      out[t * N + n] = v;
    }
  }
  return out;
}

import { gelu } from './gelu.ts';

/**
 * The split-K combine: out[t, n] = act(sum_s partials[s, t, n] + bias[n]) (+ residual[t, n]),
 * splits added in order in f32 as the kernel does. partials [splits, T, N], bias [N].
 */
export function splitKSumRef(
  partials: Float32Array,
  bias: Float32Array,
  { T, N, splits }: { T: number; N: number; splits: number },
  options: { gelu?: boolean; residual?: Float32Array } = {},
): Float32Array {
  if (partials.length < splits * T * N || bias.length < N) {
    throw new RangeError(`split_k_sum: buffers too small for T=${T} N=${N} splits=${splits}`);
  }
  const out = new Float32Array(T * N);
  for (let i = 0; i < T * N; i++) {
    let v = partials[i];
    for (let s = 1; s < splits; s++) v = Math.fround(v + partials[s * T * N + i]);
    v = Math.fround(v + bias[i % N]);
    if (options.gelu) v = gelu(v);
    if (options.residual) v += options.residual[i];
    out[i] = v;
  }
  return out;
}

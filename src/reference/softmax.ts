/** Row softmax of input [rows, n] (rows = input.length / n), in double precision. */
export function softmaxRef(input: Float32Array, n: number): Float32Array {
  if (n <= 0 || input.length % n !== 0)
    throw new RangeError(`softmax: ${input.length} values are not rows of ${n}`);
  const out = new Float32Array(input.length);
  const e = new Float64Array(n);
  for (let r0 = 0; r0 < input.length; r0 += n) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, input[r0 + i]);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      e[i] = Math.exp(input[r0 + i] - max);
      sum += e[i];
    }
    for (let i = 0; i < n; i++) out[r0 + i] = e[i] / sum;
  }
  return out;
}

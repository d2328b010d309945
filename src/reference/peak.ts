/**
 * What the peak kernels compute, for their tests: the device-peak benchmarks must still be
 * right, or a fast wrong kernel would report a peak the device does not have.
 */

/** peak_read.wgsl: out[g] = wrapping sum of every u32 of vec4 elements g, g + S, ... < n. */
export function peakReadRef(data: Uint32Array, n: number, stride: number): Uint32Array {
  const out = new Uint32Array(stride);
  for (let g = 0; g < stride; g++) {
    let sum = 0;
    for (let i = g; i < n; i += stride) {
      for (let k = 0; k < 4; k++) sum = (sum + data[4 * i + k]) >>> 0;
    }
    out[g] = sum;
  }
  return out;
}

/** peak_fma.wgsl: per invocation g, the sum of four chains x <- x m + c after `iters` steps. */
export function peakFmaRef(invocations: number, iters: number, m: number, c: number): Float32Array {
  const out = new Float32Array(invocations * 4);
  for (let g = 0; g < invocations; g++) {
    for (let lane = 0; lane < 4; lane++) {
      const base = (g % 8) / 8 + lane / 16;
      let sum = 0;
      for (const offset of [0, 0.25, 0.5, 0.75]) {
        let x = base + offset;
        for (let i = 0; i < iters; i++) x = x * m + c;
        sum += x;
      }
      out[4 * g + lane] = sum;
    }
  }
  return out;
}

import type { RowsMixSizes } from '../kernels/rows-mix.ts';

/** rows_mix.wgsl on the CPU: returns a mixed copy of x (zero coefficients drop their term). */
export function rowsMixRef(
  x: Float32Array,
  src: Float32Array,
  coefs: Float32Array,
  s: RowsMixSizes,
): Float32Array {
  const out = x.slice();
  for (let t = 0; t < s.rows; t++) {
    for (let c = 0; c < s.C; c++) {
      const g = Math.floor(c / s.group);
      const keep = coefs[s.coef0 + 2 * g];
      const take = coefs[s.coef0 + 2 * g + 1];
      const xi = (s.x_row0 + t) * s.C + c;
      let v = keep !== 0 ? keep * x[xi] : 0;
      if (take !== 0) v += take * src[(s.src_row0 + t) * s.src_stride + c];
      out[xi] = v;
    }
  }
  return out;
}

/** out[c] = mean over t < rows of x[t * C + c], in double precision. */
export function columnMeanRef(x: Float32Array, rows: number, C: number): Float32Array {
  const out = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let t = 0; t < rows; t++) s += x[t * C + c];
    out[c] = s / rows;
  }
  return out;
}

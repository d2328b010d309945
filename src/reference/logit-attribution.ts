/**
 * Direct logit attribution on the CPU, in double precision: for components c_i of the final
 * residual x (x = their sum) and sigma = sqrt(var(x) + eps) frozen,
 *   dla[i] = ((c_i - mean(c_i)) / sigma * gamma) . wte[token],   beta = beta . wte[token].
 * sum(dla) + beta equals the logit of token through ln_f and the tied embedding.
 */
export function logitAttributionRef(
  components: readonly ArrayLike<number>[],
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  wteRow: ArrayLike<number>,
  eps: number,
): { dla: number[]; beta: number } {
  const C = x.length;
  const mean = (v: ArrayLike<number>) => {
    let s = 0;
    for (let k = 0; k < C; k++) s += v[k];
    return s / C;
  };
  const mx = mean(x);
  let v = 0;
  for (let k = 0; k < C; k++) v += (x[k] - mx) ** 2;
  const sigma = Math.sqrt(v / C + eps);
  const dla = components.map((c) => {
    const mc = mean(c);
    let s = 0;
    for (let k = 0; k < C; k++) s += (c[k] - mc) * gamma[k] * wteRow[k];
    return s / sigma;
  });
  let b = 0;
  for (let k = 0; k < C; k++) b += beta[k] * wteRow[k];
  return { dla, beta: b };
}

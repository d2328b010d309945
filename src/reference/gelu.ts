/**
 * GELU, tanh approximation (GPT-2's "gelu_new"):
 * gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 * Evaluated in double precision; large |x| gives x or (-)0 exactly, as Math.tanh saturates.
 */
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** gelu applied to every element. */
export function geluRef(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = gelu(x[i]);
  return out;
}

/**
 * IEEE half and bfloat16 conversions on the CPU. f16 weights live on the GPU as packed
 * pairs: flat element i sits in u32 word i >> 1, low 16 bits when i is even, and shaders
 * widen them with `unpack2x16float` (core WGSL, so every adapter runs it).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds to the nearest f16 (ties to even) and returns its 16 bits. */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry into the exponent is correct
  return sign | half;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function bf16BitsToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** Each value rounded to f16 precision: the weights an f16 model really computes with. */
export function roundToF16(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f16BitsToF32(f32ToF16Bits(values[i]));
  return out;
}

/** Packs f32 values as f16 pairs into u32 words (odd lengths padded with a zero half). */
export function packF16(values: Float32Array): Uint32Array {
  const out = new Uint32Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i += 2) {
    const lo = f32ToF16Bits(values[i]);
    const hi = i + 1 < values.length ? f32ToF16Bits(values[i + 1]) : 0;
    out[i >>> 1] = (lo | (hi << 16)) >>> 0;
  }
  return out;
}

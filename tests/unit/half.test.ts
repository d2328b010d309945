import { describe, expect, it } from 'vitest';
import {
  bf16BitsToF32,
  f16BitsToF32,
  f32ToF16Bits,
  packF16,
  roundToF16,
} from '../../src/model/half.ts';

describe('f16 conversions', () => {
  it('converts known values', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(1e6)).toBe(0x7c00);
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001);
    expect(f32ToF16Bits(0.1)).toBe(0x2e66);
    expect(f16BitsToF32(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(bf16BitsToF32(0x3f80)).toBe(1);
  });
  it('round-trips every finite half', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = f16BitsToF32(h);
      if (!Number.isFinite(v)) continue;
      const back = f32ToF16Bits(v);
      expect(back === h || (v === 0 && (back & 0x7fff) === 0)).toBe(true);
    }
  });
  it('rounds to nearest and packs pairs low half first', () => {
    const r = roundToF16(new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11]));
    expect([...r]).toEqual([1, 1 + 2 ** -9]);
    const packed = packF16(new Float32Array([1, -2, 1]));
    expect([...packed]).toEqual([(0x3c00 | (0xc000 << 16)) >>> 0, 0x3c00]);
  });
});

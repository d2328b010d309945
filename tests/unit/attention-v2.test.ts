import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { AttentionV2Call, attentionV2Supports } from '../../src/kernels/attention-v2.ts';
import { causalAttentionRef } from '../../src/reference/attention.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

/** Rows past the valid context hold NaN: a kernel that reads them (or their zeros) fails. */
function cacheWithGarbage(valid: Float32Array, rows: number, C: number): Float32Array {
  const out = new Float32Array(rows * C).fill(NaN);
  out.set(valid);
  return out;
}

interface Case {
  T: number;
  pos0: number;
  C: number;
  NH: number;
  scale?: number;
}

async function runAttentionV2(gpu: GpuContext, c: Case, seed: number): Promise<void> {
  const { T, pos0, C, NH, scale = 1 } = c;
  const n = pos0 + T;
  const P = n + 3;
  const q = randomF32(n * C, seed, scale);
  const k = randomF32(n * C, seed + 1, scale);
  const v = randomF32(n * C, seed + 2);
  const want = causalAttentionRef(q, k, v, n, C, NH).out.subarray(pos0 * C);
  await withBuffers(
    gpu,
    () => ({
      q: gpu.createStorage('q_store', cacheWithGarbage(q, P, C)),
      k: gpu.createStorage('k_cache', cacheWithGarbage(k, P, C)),
      v: gpu.createStorage('v_cache', cacheWithGarbage(v, P, C)),
      out: emptyStorage(gpu, 'att', T * C),
    }),
    async (b) => {
      const buffers = { q: b.q, k: b.k, v: b.v, out: b.out };
      const call = new AttentionV2Call(gpu, 'attn_v2', buffers, C / NH);
      try {
        await runPass(gpu, (pass) => call.encode(pass, { T, pos0, C, NH }));
      } finally {
        call.destroy();
      }
      const got = await gpu.readF32(b.out);
      expect(got.every(Number.isFinite), 'all outputs finite').toBe(true);
      expectClose(got, want, {
        label: `attention v2 T=${T} pos0=${pos0} C=${C} NH=${NH}`,
        atol: scale > 1 ? 2e-4 : 2e-6,
        rtol: 1e-5,
      });
    },
  );
}

describe('attention v2 (query blocks sharing key/value tiles)', () => {
  const t = useTestGpu();
  const cases: Case[] = [
    // HS = 24 (C = 96 and 120), 32, 64, 80; T = 1, 7, 65, 129: blocks of 16 cut anywhere
    { T: 1, pos0: 0, C: 96, NH: 4 },
    { T: 7, pos0: 0, C: 96, NH: 4 },
    { T: 129, pos0: 0, C: 120, NH: 5 },
    { T: 65, pos0: 0, C: 96, NH: 3 },
    { T: 7, pos0: 0, C: 128, NH: 2 },
    { T: 129, pos0: 0, C: 768, NH: 12 },
    { T: 65, pos0: 0, C: 1600, NH: 20 },
    { T: 7, pos0: 0, C: 160, NH: 2 },
    // contexts of 63, 64, 65 and 1024 tokens: key tiles full, partial, one key over
    { T: 1, pos0: 62, C: 96, NH: 3 },
    { T: 7, pos0: 57, C: 128, NH: 2 },
    { T: 20, pos0: 45, C: 160, NH: 2 },
    { T: 17, pos0: 1007, C: 128, NH: 2 },
    // scores of several hundred to thousands: exp() overflows unless the max is subtracted
    { T: 70, pos0: 0, C: 128, NH: 2, scale: 30 },
    { T: 3, pos0: 130, C: 96, NH: 3, scale: 100 },
  ];
  cases.forEach((c, i) => {
    const HS = c.C / c.NH;
    const name = `T=${c.T} pos0=${c.pos0} HS=${HS} NH=${c.NH}${c.scale ? ` |q|,|k| <= ${c.scale}` : ''}`;
    it(`matches the full-sequence reference for ${name}`, () => runAttentionV2(t.gpu, c, 300 + i));
  });

  it('serves head sizes that are multiples of 4 up to 96 (v1 serves the rest)', () => {
    expect([24, 32, 64, 80, 96].every((HS) => attentionV2Supports(HS * 2, 2))).toBe(true);
    expect(attentionV2Supports(51, 3)).toBe(false); // HS = 17
    expect(attentionV2Supports(256, 2)).toBe(false); // HS = 128
  });
});

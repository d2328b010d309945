import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { AttentionV2Call, attentionV2Supports } from '../../src/kernels/attention-v2.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import {
  attentionCaseName,
  checkPrefillAttention,
  type AttentionCase,
} from '../helpers/kernel-checks.ts';

const runAttentionV2 = (gpu: GpuContext, c: AttentionCase, seed: number) =>
  checkPrefillAttention(
    gpu,
    (b) => new AttentionV2Call(gpu, 'attn_v2', b, c.C / c.NH),
    c,
    seed,
    'attention v2',
  );

describe('attention v2 (query blocks sharing key/value tiles)', () => {
  const t = useTestGpu();
  const cases: AttentionCase[] = [
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
    it(`matches the full-sequence reference for ${attentionCaseName(c)}`, () =>
      runAttentionV2(t.gpu, c, 300 + i));
  });

  it('serves head sizes that are multiples of 4 up to 96 (v1 serves the rest)', () => {
    expect([24, 32, 64, 80, 96].every((HS) => attentionV2Supports(HS * 2, 2))).toBe(true);
    expect(attentionV2Supports(51, 3)).toBe(false); // HS = 17
    expect(attentionV2Supports(256, 2)).toBe(false); // HS = 128
  });
});

import { describe, expect, it } from 'vitest';
import { LayerNormV2Call, layernormV2Supports } from '../../src/kernels/layernorm-v2.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { checkLayerNorm } from '../helpers/kernel-checks.ts';

describe('layernorm v2 (4 rows per workgroup)', () => {
  const t = useTestGpu();
  const cases = [
    { rows: 1, C: 96, first_row: 0, offset: 0 },
    { rows: 7, C: 120, first_row: 2, offset: 0 },
    { rows: 65, C: 96, first_row: 0, offset: 0 },
    { rows: 129, C: 768, first_row: 0, offset: 0 },
    { rows: 7, C: 1600, first_row: 1, offset: 0 },
    { rows: 1, C: 4, first_row: 5, offset: 0 },
    // A large common offset: E[x^2] - E[x]^2 in f32 loses the variance entirely here.
    { rows: 6, C: 768, first_row: 1, offset: 1000 },
    { rows: 3, C: 100, first_row: 0, offset: -3000 },
  ];
  for (const c of cases) {
    it(`matches the reference (rows=${c.rows}, C=${c.C}, first_row=${c.first_row}, offset=${c.offset})`, () =>
      checkLayerNorm(
        t.gpu,
        (b) => new LayerNormV2Call(t.gpu, 'layernorm_v2', b),
        c,
        'layernorm v2',
      ));
  }

  it('serves widths that are multiples of 4 (v1 serves the rest)', () => {
    expect([4, 96, 120, 768, 1600].every(layernormV2Supports)).toBe(true);
    expect(layernormV2Supports(37)).toBe(false);
  });
});

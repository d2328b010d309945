import { describe, expect, it } from 'vitest';
import { LayerNormV2Call, layernormV2Supports } from '../../src/kernels/layernorm-v2.ts';
import { layernormRef } from '../../src/reference/layernorm.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

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
  for (const { rows, C, first_row, offset } of cases) {
    it(`matches the reference (rows=${rows}, C=${C}, first_row=${first_row}, offset=${offset})`, async () => {
      const { gpu } = t;
      const seed = rows * 7919 + C + first_row;
      const total = first_row + rows + 1; // a row after the ones read, which must be ignored
      const input = randomF32(total * C, seed, 2).map((v, i) => v + offset + (i % 3) * 0.25);
      const gamma = randomF32(C, seed + 1).map((v) => 1 + 0.5 * v);
      const beta = randomF32(C, seed + 2, 0.5);
      const sizes = { rows, C, first_row, eps: 1e-5 };
      const expected = layernormRef(input, gamma, beta, sizes);
      await withBuffers(
        gpu,
        () => ({
          input: gpu.createStorage('input', input),
          gamma: gpu.createStorage('gamma', gamma),
          beta: gpu.createStorage('beta', beta),
          out: emptyStorage(gpu, 'out', (rows + 1) * C),
        }),
        async (bufs) => {
          gpu.write(bufs.out, new Float32Array((rows + 1) * C).fill(-7));
          const call = new LayerNormV2Call(gpu, 'layernorm_v2', {
            input: bufs.input,
            gamma: bufs.gamma,
            beta: bufs.beta,
            out: bufs.out,
          });
          await runPass(gpu, (pass) => call.encode(pass, sizes));
          call.destroy();
          const got = await gpu.readF32(bufs.out);
          expectClose(got.subarray(0, rows * C), expected, {
            atol: 2e-5,
            rtol: 2e-5,
            label: 'layernorm v2',
          });
          expect(got.subarray(rows * C).every((v) => v === -7)).toBe(true);
        },
      );
    });
  }

  it('serves widths that are multiples of 4 (v1 serves the rest)', () => {
    expect([4, 96, 120, 768, 1600].every(layernormV2Supports)).toBe(true);
    expect(layernormV2Supports(37)).toBe(false);
  });
});

import { describe, it } from 'vitest';
import { LayerNormCall } from '../../src/kernels/layernorm.ts';
import { layernormRef } from '../../src/reference/layernorm.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { checkLayerNorm } from '../helpers/kernel-checks.ts';
import { randomF32 } from '../helpers/random.ts';

describe('layernorm reference', () => {
  it('normalises a hand-computable row', () => {
    // x = [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
    const out = layernormRef(
      new Float32Array([9, 9, 9, 9, 1, 2, 3, 4]),
      new Float32Array([1, 1, 2, 2]),
      new Float32Array([0, 0, 0, 10]),
      { rows: 1, C: 4, first_row: 1, eps: 0 },
    );
    const s = Math.sqrt(1.25);
    expectClose(out, [-1.5 / s, -0.5 / s, 1 / s, 3 / s + 10], { atol: 1e-6, label: 'ref' });
  });
  it('is unaffected by a large common offset', () => {
    const x = randomF32(64, 3);
    const shifted = x.map((v) => v + 1000);
    const g = new Float32Array(64).fill(1);
    const b = new Float32Array(64);
    const sizes = { rows: 1, C: 64, first_row: 0, eps: 1e-5 };
    // Only the f32 rounding of x + 1000 (about 3e-5) separates the two.
    expectClose(layernormRef(shifted, g, b, sizes), layernormRef(x, g, b, sizes), {
      atol: 2e-4,
      label: 'shifted',
    });
  });
});

describe('layernorm kernel', () => {
  const t = useTestGpu();
  const cases = [
    { rows: 1, C: 64, first_row: 0, offset: 0 },
    { rows: 3, C: 100, first_row: 2, offset: 0 },
    { rows: 2, C: 768, first_row: 1, offset: 0 },
    { rows: 5, C: 37, first_row: 0, offset: 0 },
    { rows: 1, C: 300, first_row: 6, offset: 0 },
    // A large common offset: E[x^2] - E[x]^2 in f32 loses the variance entirely here.
    { rows: 3, C: 768, first_row: 1, offset: 1000 },
    { rows: 2, C: 100, first_row: 0, offset: -3000 },
  ];
  for (const c of cases) {
    it(`matches the reference (rows=${c.rows}, C=${c.C}, first_row=${c.first_row}, offset=${c.offset})`, () =>
      checkLayerNorm(t.gpu, (b) => new LayerNormCall(t.gpu, 'layernorm', b), c, 'layernorm'));
  }

  it('uses eps from Params (constant row: output is beta)', async () => {
    const { gpu } = t;
    const C = 50;
    const input = new Float32Array(C).fill(5);
    const gamma = randomF32(C, 11);
    const beta = randomF32(C, 12);
    await withBuffers(
      gpu,
      () => ({
        input: gpu.createStorage('input', input),
        gamma: gpu.createStorage('gamma', gamma),
        beta: gpu.createStorage('beta', beta),
        out: emptyStorage(gpu, 'out', C),
      }),
      async (bufs) => {
        const call = new LayerNormCall(gpu, 'layernorm', {
          input: bufs.input,
          gamma: bufs.gamma,
          beta: bufs.beta,
          out: bufs.out,
        });
        // A row one step away from constant, with eps large enough to dominate its variance.
        const row = input.map((v, i) => (i === 0 ? v + 1 : v));
        gpu.write(bufs.input, row);
        const sizes = { rows: 1, C, first_row: 0, eps: 10 };
        await runPass(gpu, (pass) => call.encode(pass, sizes));
        expectClose(await gpu.readF32(bufs.out), layernormRef(row, gamma, beta, sizes), {
          atol: 1e-6,
          label: 'eps = 10',
        });
        gpu.write(bufs.input, input);
        await runPass(gpu, (pass) => call.encode(pass, { ...sizes, eps: 1e-5 }));
        call.destroy();
        expectClose(await gpu.readF32(bufs.out), beta, { atol: 0, rtol: 0, label: 'constant row' });
      },
    );
  });
});

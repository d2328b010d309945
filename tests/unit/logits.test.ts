import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { LogitsCall } from '../../src/kernels/logits.ts';
import { packF16, roundToF16 } from '../../src/model/half.ts';
import { logitsRef } from '../../src/reference/logits.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('logits reference', () => {
  it('dots x with each row of wte', () => {
    // wte [V=3, C=2] = [[1, 0], [0, 1], [2, -1]], x = [3, 4]
    const got = logitsRef(new Float32Array([3, 4]), new Float32Array([1, 0, 0, 1, 2, -1]), {
      C: 2,
      V: 3,
    });
    expect([...got]).toEqual([3, 4, 2]);
  });
});

async function checkLogits(
  gpu: GpuContext,
  {
    C,
    V,
    weightsF16,
    maxGroupsPerDim,
  }: {
    C: number;
    V: number;
    weightsF16: boolean;
    maxGroupsPerDim?: number;
  },
): Promise<void> {
  const x = randomF32(C, C + V);
  const wte = randomF32(V * C, C * 7 + V);
  const want = logitsRef(x, weightsF16 ? roundToF16(wte) : wte, { C, V });
  await withBuffers(
    gpu,
    () => ({
      x: gpu.createStorage('x', x),
      wte: gpu.createStorage('wte', weightsF16 ? packF16(wte) : wte),
      // One value past V, poisoned, to catch writes beyond the end.
      out: gpu.createStorage('out', new Float32Array(V + 1).fill(12345)),
    }),
    async (b) => {
      const call = new LogitsCall(
        gpu,
        'lm_head',
        { input: b.x, wte: b.wte, out: b.out },
        { weightsF16, maxGroupsPerDim },
      );
      await runPass(gpu, (pass) => call.encode(pass, { C, V }));
      call.destroy();
      const got = await gpu.readF32(b.out, 0, V + 1);
      const label = `logits C=${C} V=${V} ${weightsF16 ? 'f16' : 'f32'}`;
      expectClose(got.subarray(0, V), want, { label, atol: 2e-5, rtol: 1e-5 });
      expect(got[V], `${label}: out[V] untouched`).toBe(12345);
    },
  );
}

describe('logits kernel (tied LM head)', () => {
  const t = useTestGpu();
  // Odd C with f16 puts every other row at an odd element: words straddle two rows.
  const cases = [
    [64, 1],
    [64, 37],
    [64, 50257],
    [100, 37],
    [768, 37],
    [37, 53],
    [101, 9],
    [1, 5],
  ] as const;
  for (const [C, V] of cases) {
    for (const weightsF16 of [false, true]) {
      it(`matches the reference for C=${C} V=${V} ${weightsF16 ? 'f16' : 'f32'}`, async () => {
        await checkLogits(t.gpu, { C, V, weightsF16 });
      });
    }
  }

  it('covers rows spread over a 2-D grid of workgroups (grid1d), extra groups idle', async () => {
    // ceil(1001 / 8) = 126 groups as 16 x 8 = 128: two past the last row.
    await checkLogits(t.gpu, { C: 65, V: 1001, weightsF16: true, maxGroupsPerDim: 16 });
    await checkLogits(t.gpu, { C: 64, V: 1001, weightsF16: false, maxGroupsPerDim: 16 });
  });

  it('rejects sizes its buffers cannot hold', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({
        x: emptyStorage(gpu, 'x', 8),
        wte: emptyStorage(gpu, 'wte', 8 * 4),
        out: emptyStorage(gpu, 'out', 4),
      }),
      async (b) => {
        const call = new LogitsCall(
          gpu,
          'lm_head.small',
          { input: b.x, wte: b.wte, out: b.out },
          { weightsF16: false },
        );
        await runPass(gpu, (pass) => {
          expect(() => call.encode(pass, { C: 8, V: 5 })).toThrow(/wte buffer/);
          expect(() => call.encode(pass, { C: 9, V: 1 })).toThrow(/input buffer/);
          call.encode(pass, { C: 8, V: 4 });
        });
        call.destroy();
      },
    );
  });
});

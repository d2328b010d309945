import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import {
  MatmulV2Call,
  planMatmulV2,
  SPLIT_K_PARTIAL_FLOATS,
  SPLIT_K_TARGET_WORKGROUPS,
  type MatmulV2Options,
} from '../../src/kernels/matmul-v2.ts';
import { SplitKSumCall } from '../../src/kernels/split-k-sum.ts';
import { packF16, roundToF16 } from '../../src/model/half.ts';
import { linearRef } from '../../src/reference/linear.ts';
import { splitKSumRef } from '../../src/reference/split-k-sum.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

const GPT2_SMALL = [
  [768, 3 * 768],
  [768, 768],
  [768, 4 * 768],
  [4 * 768, 768],
] as const;

describe('matmul v2 plan', () => {
  it('fills a big GPU at T = 128 for every GPT-2 small matmul', () => {
    for (const [K, N] of GPT2_SMALL) {
      const plan = planMatmulV2({ T: 128, K, N });
      const [x, y, z] = plan.workgroups;
      expect(x * y * z, `K=${K} N=${N}`).toBeGreaterThanOrEqual(SPLIT_K_TARGET_WORKGROUPS);
    }
  });

  it('splits K only when asked to fill more workgroups than the tiles give', () => {
    expect(planMatmulV2({ T: 128, K: 768, N: 768 }, 1).splits).toBe(1);
    expect(planMatmulV2({ T: 1024, K: 768, N: 2304 }).splits).toBe(1);
  });

  it('covers every K tile exactly once and stays within the partials scratch', () => {
    for (const T of [1, 2, 7, 64, 65, 129, 300, 1024]) {
      for (const [K, N] of [
        [4, 4],
        [8, 8],
        [36, 12],
        [768, 768],
        [3072, 768],
        [1600, 6400],
        [6400, 1600],
      ]) {
        const plan = planMatmulV2({ T, K, N });
        const kTiles = Math.ceil(K / 8);
        const label = `T=${T} K=${K} N=${N}`;
        expect(plan.splits * plan.kTilesPerSplit, label).toBeGreaterThanOrEqual(kTiles);
        expect((plan.splits - 1) * plan.kTilesPerSplit, label).toBeLessThan(kTiles);
        expect(plan.workgroups[2], label).toBe(plan.splits);
        if (plan.splits > 1) {
          expect(plan.splits * T * N, label).toBeLessThanOrEqual(SPLIT_K_PARTIAL_FLOATS);
        }
      }
    }
  });
});

interface Case extends MatmulV2Options {
  T: number;
  K: number;
  N: number;
  seed: number;
}

/** Runs MatmulV2Call on random data (weights scaled by 1/sqrt(K)) against the reference. */
async function checkMatmul(gpu: GpuContext, c: Case): Promise<number> {
  const { T, K, N } = c;
  const input = randomF32(T * K, c.seed);
  const weight = randomF32(K * N, c.seed + 1, 1 / Math.sqrt(K));
  const bias = randomF32(N, c.seed + 2);
  const initial = c.accumulate ? randomF32(T * N, c.seed + 3, 2) : new Float32Array(T * N);
  const want = linearRef(input, c.weightsF16 ? roundToF16(weight) : weight, bias, c, {
    gelu: c.gelu,
    residual: c.accumulate ? initial : undefined,
  });
  const plan = planMatmulV2(c, c.splitKTarget);
  await withBuffers(
    gpu,
    () => ({
      input: gpu.createStorage('input', input),
      weight: gpu.createStorage('weight', c.weightsF16 ? packF16(weight) : weight),
      bias: gpu.createStorage('bias', bias),
      out: gpu.createStorage('out', c.accumulate ? initial : randomF32(T * N, 99, 100)),
      partials: emptyStorage(gpu, 'partials', SPLIT_K_PARTIAL_FLOATS),
    }),
    async (b) => {
      const call = new MatmulV2Call(gpu, 'matmul_v2', b as never, c);
      try {
        await runPass(gpu, (pass) => call.encode(pass, c));
      } finally {
        call.destroy();
      }
      const label =
        `matmul_v2 T=${T} K=${K} N=${N} splits=${plan.splits} f16=${c.weightsF16} ` +
        `gelu=${c.gelu} acc=${c.accumulate}`;
      expectClose(await gpu.readF32(b.out, 0, T * N), want, { label, atol: 3e-5, rtol: 1e-4 });
    },
  );
  return plan.splits;
}

describe('matmul v2 against the reference', () => {
  const t = useTestGpu();
  // Pairs of (gelu, accumulate) over f32 and f16 weights: 4 of the 8 pipelines.
  const modes: MatmulV2Options[] = [
    { weightsF16: false, gelu: false, accumulate: true },
    { weightsF16: true, gelu: false, accumulate: true },
    { weightsF16: false, gelu: true, accumulate: false },
    { weightsF16: true, gelu: true, accumulate: false },
  ];
  let seed = 1;
  // GPT-2's four matmul shapes at widths that are not multiples of the 64 tile, at T not
  // multiples of it either; both with the split that fills a GPU and without any split.
  for (const C of [96, 120]) {
    for (const T of [1, 7, 65, 129]) {
      const shapes = [
        [C, 3 * C],
        [C, C],
        [C, 4 * C],
        [4 * C, C],
      ] as const;
      const s = (seed += 10);
      it(`C=${C} T=${T}: c_attn, attn c_proj, c_fc, mlp c_proj, f32 and f16`, async () => {
        const splits: number[] = [];
        for (const [i, [K, N]] of shapes.entries()) {
          for (const target of [undefined, 1]) {
            const mode = modes[(i + (target ?? 0)) % modes.length];
            const n = await checkMatmul(t.gpu, { T, K, N, ...mode, splitKTarget: target, seed: s });
            splits.push(n);
          }
        }
        // The default plan really splits K here (few tiles), and target 1 never does.
        expect(Math.max(...splits)).toBeGreaterThan(1);
        expect(splits.filter((_, i) => i % 2 === 1).every((n) => n === 1)).toBe(true);
      });
    }
  }

  // GPT-2 XL's width, and its MLP's long K (6400).
  it('C=1600: T=7 K=1600 N=1600 and T=2 K=6400 N=1600, f32 and f16', async () => {
    await checkMatmul(t.gpu, { T: 7, K: 1600, N: 1600, ...modes[0], seed: 1600 });
    await checkMatmul(t.gpu, { T: 7, K: 1600, N: 1600, ...modes[3], seed: 1601 });
    await checkMatmul(t.gpu, { T: 2, K: 6400, N: 1600, ...modes[1], seed: 6400 });
  });

  // The smallest shapes v2 serves, and K that ends inside a K tile.
  for (const [T, K, N] of [
    [2, 4, 8],
    [3, 36, 8],
    [66, 12, 136],
  ] as const) {
    it(`T=${T} K=${K} N=${N}`, async () => {
      for (const mode of modes) await checkMatmul(t.gpu, { T, K, N, ...mode, seed: T * K });
    });
  }
});

describe('split-K combine', () => {
  const t = useTestGpu();
  it('adds the splits in order, with bias, GELU and the residual', async () => {
    const { gpu } = t;
    const [T, N, splits] = [5, 12, 3];
    const partials = randomF32(splits * T * N, 1, 3);
    const bias = randomF32(N, 2);
    const residual = randomF32(T * N, 3);
    for (const [gelu, accumulate] of [
      [true, false],
      [false, true],
    ]) {
      const want = splitKSumRef(
        partials,
        bias,
        { T, N, splits },
        {
          gelu,
          residual: accumulate ? residual : undefined,
        },
      );
      await withBuffers(
        gpu,
        () => ({
          partials: gpu.createStorage('partials', partials),
          bias: gpu.createStorage('bias', bias),
          out: gpu.createStorage('out', accumulate ? residual : new Float32Array(T * N)),
        }),
        async (b) => {
          const call = new SplitKSumCall(gpu, 'split_k_sum', b as never, { gelu, accumulate });
          await runPass(gpu, (pass) => call.encode(pass, { T, N, splits }));
          call.destroy();
          expectClose(await gpu.readF32(b.out, 0, T * N), want, {
            label: `split_k_sum gelu=${gelu} acc=${accumulate}`,
            atol: 1e-6,
            rtol: 1e-6,
          });
        },
      );
    }
  });
});

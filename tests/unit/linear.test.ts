import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { DispatchRecorder, dryRunPass } from '../../src/gpu/dispatch-recorder.ts';
import {
  LinearCall,
  type LinearBuffers,
  type LinearOptions,
  type LinearSizes,
} from '../../src/kernels/linear.ts';
import { packF16, roundToF16 } from '../../src/model/half.ts';
import { gelu } from '../../src/reference/gelu.ts';
import { linearRef } from '../../src/reference/linear.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('linear reference', () => {
  // in [2, 2] = [[1, 2], [3, 4]], W [K=2, N=3] = [[1, 0, -1], [2, 1, 0.5]], bias [0.5, 0, 0]
  const input = new Float32Array([1, 2, 3, 4]);
  const weight = new Float32Array([1, 0, -1, 2, 1, 0.5]);
  const bias = new Float32Array([0.5, 0, 0]);
  const sizes = { T: 2, K: 2, N: 3 };

  it('multiplies in Conv1D layout and adds the bias', () => {
    expect([...linearRef(input, weight, bias, sizes)]).toEqual([5.5, 2, 0, 11.5, 4, -1]);
  });
  it('applies GELU, then adds the residual', () => {
    const residual = new Float32Array([1, 1, 1, 1, 1, 1]);
    const got = linearRef(input, weight, bias, sizes, { gelu: true, residual });
    const want = [5.5, 2, 0, 11.5, 4, -1].map((v) => Math.fround(gelu(v) + 1));
    expect([...got]).toEqual(want);
  });
});

function linearBuffers(b: Record<string, GPUBuffer>): LinearBuffers {
  return { input: b.input, weight: b.weight, bias: b.bias, out: b.out };
}

interface Case extends LinearSizes, LinearOptions {
  seed: number;
}

/** W [K, N] as the call reads it: packed f16 or f32, transposed to [N, K] if row per output. */
function stored(
  weight: Float32Array,
  K: number,
  N: number,
  o: LinearOptions,
): Float32Array | Uint32Array {
  let w = weight;
  if (o.rowPerOutput) {
    w = new Float32Array(K * N);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) w[n * K + k] = weight[k * N + n];
  }
  return o.weightsF16 ? packF16(w) : w;
}

/** Runs one LinearCall on random data and compares with the reference. */
async function checkLinear(gpu: GpuContext, c: Case): Promise<void> {
  const { T, K, N } = c;
  const input = randomF32(T * K, c.seed);
  const weight = randomF32(K * N, c.seed + 1);
  const bias = randomF32(N, c.seed + 2);
  const initial = c.accumulate ? randomF32(T * N, c.seed + 3, 2) : new Float32Array(T * N);
  const want = linearRef(input, c.weightsF16 ? roundToF16(weight) : weight, bias, c, {
    gelu: c.gelu,
    residual: c.accumulate ? initial : undefined,
  });
  await withBuffers(
    gpu,
    () => ({
      input: gpu.createStorage('input', input),
      weight: gpu.createStorage('weight', stored(weight, K, N, c)),
      bias: gpu.createStorage('bias', bias),
      out: gpu.createStorage('out', c.accumulate ? initial : randomF32(T * N, 99, 100)),
    }),
    async (b) => {
      const call = new LinearCall(gpu, 'linear', linearBuffers(b), c);
      try {
        await runPass(gpu, (pass) => call.encode(pass, c));
      } finally {
        call.destroy();
      }
      const label = `linear T=${T} K=${K} N=${N} f16=${c.weightsF16} gelu=${c.gelu} acc=${c.accumulate}`;
      expectClose(await gpu.readF32(b.out, 0, T * N), want, { label, atol: 2e-5, rtol: 1e-5 });
    },
  );
}

describe('linear kernels (matvec for T = 1, tiled matmul otherwise)', () => {
  const t = useTestGpu();
  const shapes = [
    [37, 53],
    [64, 192],
    [100, 300],
  ] as const;
  // Every pair of (weightsF16, gelu, accumulate) values, in 4 of the 8 pipelines per shader:
  // loads and epilogue are independent code, and each pipeline costs SwiftShader a second.
  const modes: LinearOptions[] = [
    { weightsF16: false, gelu: false, accumulate: false },
    { weightsF16: false, gelu: true, accumulate: true },
    { weightsF16: true, gelu: true, accumulate: false },
    { weightsF16: true, gelu: false, accumulate: true },
  ];
  const modeName = (m: LinearOptions) =>
    `${m.weightsF16 ? 'f16' : 'f32'}${m.gelu ? ' gelu' : ''}${m.accumulate ? ' +=' : ''}`;
  let seed = 1;
  for (const T of [1, 7, 65]) {
    for (const [K, N] of shapes) {
      const s = (seed += 10);
      it(`matches the reference for T=${T} K=${K} N=${N}: ${modes.map(modeName).join(', ')}`, async () => {
        for (const mode of modes) await checkLinear(t.gpu, { T, K, N, ...mode, seed: s });
      });
    }
  }

  // Odd N puts every other f16 row at an odd element (matvec's shifted-word path, across
  // its workgroup edges every 16 columns); N = 1 and K = 1 are the smallest shapes; 768 is
  // GPT-2 small's width.
  for (const [T, K, N] of [
    [1, 1, 1],
    [2, 3, 1],
    [1, 33, 33],
    [1, 769, 65],
    [1, 768, 768],
    [3, 769, 65],
    [66, 17, 129],
  ] as const) {
    for (const mode of [modes[1], modes[3]]) {
      it(`matches the reference for T=${T} K=${K} N=${N} ${modeName(mode)}`, async () => {
        await checkLinear(t.gpu, { T, K, N, ...mode, seed: T + K + N });
      });
    }
  }

  // Weights held row per output (a model with the v2 decode kernels): both prefill matmuls
  // read [N, K]; shapes v2 serves (K % 8 == 0 for f16) and shapes only v1 serves.
  for (const [T, K, N] of [
    [7, 96, 288],
    [65, 120, 40],
    [3, 37, 53],
  ] as const) {
    for (const prefill of ['v1', 'v2'] as const) {
      it(`reads weights held row per output: T=${T} K=${K} N=${N}, matmul ${prefill}`, async () => {
        for (const mode of [modes[1], modes[2]]) {
          await checkLinear(t.gpu, { T, K, N, ...mode, prefill, rowPerOutput: true, seed: T + K });
        }
      });
    }
  }

  it('refuses T = 1 on weights held row per output (decode reads them with matvec_v2)', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({
        input: emptyStorage(gpu, 'input', 8),
        weight: emptyStorage(gpu, 'weight', 64),
        bias: emptyStorage(gpu, 'bias', 8),
        out: emptyStorage(gpu, 'out', 8),
      }),
      async (b) => {
        const call = new LinearCall(gpu, 'linear', linearBuffers(b), {
          ...modes[0],
          rowPerOutput: true,
        });
        try {
          const pass = dryRunPass(new DispatchRecorder(true));
          expect(() => call.encode(pass, { T: 1, K: 8, N: 8 })).toThrow(/MatvecV2Call/);
        } finally {
          call.destroy();
        }
      },
    );
  });

  it('GELU is exact and NaN-free for large |x|', async () => {
    const { gpu } = t;
    const xs = [
      0, 1e-3, -1e-3, 0.5, -0.5, 3, -3, 8, -8, 19.9, -19.9, 30, -30, 1e4, -1e4, 1e30, -1e30,
    ];
    const N = xs.length;
    // K = 1, input 1, W = xs, bias 0: the pre-activation is xs exactly, for T = 1 and T = 2.
    for (const T of [1, 2]) {
      await withBuffers(
        gpu,
        () => ({
          input: gpu.createStorage('input', new Float32Array(T).fill(1)),
          weight: gpu.createStorage('weight', new Float32Array(xs)),
          bias: gpu.createStorage('bias', new Float32Array(N)),
          out: gpu.createStorage('out', new Float32Array(T * N)),
        }),
        async (b) => {
          // accumulate onto zeros: the pipeline of an earlier test, not a new one.
          const call = new LinearCall(gpu, 'linear.gelu', linearBuffers(b), modes[1]);
          await runPass(gpu, (pass) => call.encode(pass, { T, K: 1, N }));
          call.destroy();
          const got = await gpu.readF32(b.out, 0, T * N);
          const want = new Float32Array(T * N).map((_, i) => gelu(Math.fround(xs[i % N])));
          expect(got.every(Number.isFinite), `T=${T}: finite`).toBe(true);
          expectClose(got, want, { label: `gelu T=${T}`, atol: 1e-7, rtol: 1e-6 });
        },
      );
    }
  });

  it('one call site serves prefill then decode then a different prefill', async () => {
    const { gpu } = t;
    const [K, N] = [40, 70];
    const input = randomF32(9 * K, 5);
    const weight = randomF32(K * N, 6);
    const bias = randomF32(N, 7);
    const initial = randomF32(9 * N, 8);
    await withBuffers(
      gpu,
      () => ({
        input: gpu.createStorage('input', input),
        weight: gpu.createStorage('weight', packF16(weight)),
        bias: gpu.createStorage('bias', bias),
        out: gpu.createStorage('out', initial),
      }),
      async (b) => {
        const call = new LinearCall(gpu, 'linear.reuse', linearBuffers(b), modes[3]);
        let expected = initial;
        try {
          for (const T of [7, 1, 9, 1]) {
            await runPass(gpu, (pass) => call.encode(pass, { T, K, N }));
            const residual = expected.subarray(0, T * N);
            const rows = linearRef(input, roundToF16(weight), bias, { T, K, N }, { residual });
            expected = expected.slice();
            expected.set(rows);
            expectClose(await gpu.readF32(b.out, 0, 9 * N), expected, {
              label: `after T=${T}`,
              atol: 2e-5,
            });
          }
        } finally {
          call.destroy();
        }
      },
    );
  });

  it('rejects sizes its buffers cannot hold', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({
        input: emptyStorage(gpu, 'input', 8),
        weight: emptyStorage(gpu, 'weight', 8 * 4),
        bias: emptyStorage(gpu, 'bias', 4),
        out: emptyStorage(gpu, 'out', 8),
      }),
      async (b) => {
        const call = new LinearCall(gpu, 'linear.small', linearBuffers(b), modes[0]);
        await runPass(gpu, (pass) => {
          expect(() => call.encode(pass, { T: 2, K: 8, N: 4 })).toThrow(/input buffer/);
          expect(() => call.encode(pass, { T: 1, K: 8, N: 5 })).toThrow(/weight buffer/);
          call.encode(pass, { T: 2, K: 4, N: 4 });
        });
        call.destroy();
      },
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import {
  MatvecV2Call,
  type MatvecV2Options,
  type MatvecV2Sizes,
} from '../../src/kernels/matvec-v2.ts';
import { packF16, roundToF16 } from '../../src/model/half.ts';
import { layernormRef } from '../../src/reference/layernorm.ts';
import { matvecRef } from '../../src/reference/matvec.ts';
import { expectClose } from '../helpers/compare.ts';
import { runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('matvec reference (row per output)', () => {
  it('multiplies W [N, K] by x, adds the bias, applies GELU and the residual', () => {
    // W [N=2, K=3] = [[1, 2, 3], [-1, 0, 1]], x = [1, 1, 2], bias [0.5, -1]
    const w = new Float32Array([1, 2, 3, -1, 0, 1]);
    const x = new Float32Array([1, 1, 2]);
    expect([...matvecRef(x, w, new Float32Array([0.5, -1]), { K: 3, N: 2 })]).toEqual([9.5, 0]);
    const residual = new Float32Array([1, 2]);
    expect([...matvecRef(x, w, null, { K: 3, N: 2 }, { residual })]).toEqual([10, 3]);
  });
});

/** A weight buffer read as vec4<u32>: padded to whole 16-byte words. */
function weightStorage(gpu: GpuContext, label: string, w: Float32Array, f16: boolean) {
  const words = f16 ? packF16(w) : new Uint32Array(w.buffer, w.byteOffset, w.length);
  const padded = new Uint32Array(Math.ceil(words.length / 4) * 4);
  padded.set(words);
  return gpu.createStorage(label, padded);
}

interface Case {
  K: number;
  N: number;
  f16: boolean;
  prologue: 'none' | 'layernorm';
  gelu?: boolean;
  accumulate?: boolean;
  kvOut?: boolean;
  rpi?: number;
  lanes?: 16 | 64;
  subgroups: boolean;
  inRow?: number;
  outOffset?: number;
  noBias?: boolean;
  seed: number;
}

async function checkMatvec(gpu: GpuContext, c: Case): Promise<void> {
  const { K, N, f16 } = c;
  const inRow = c.inRow ?? 0;
  const outOffset = c.outOffset ?? 0;
  const rows = inRow + 2;
  const input = randomF32(rows * K, c.seed, 2);
  // A common offset on the layernorm row: the two-pass statistics must not cancel it away.
  if (c.prologue === 'layernorm') for (let k = 0; k < K; k++) input[inRow * K + k] += 30;
  const weight = randomF32(N * K, c.seed + 1);
  const bias = randomF32(N, c.seed + 2);
  const gamma = randomF32(K, c.seed + 3);
  const beta = randomF32(K, c.seed + 4);
  const eps = 1e-5;
  const x =
    c.prologue === 'layernorm'
      ? layernormRef(input, gamma, beta, { rows: 1, C: K, first_row: inRow, eps })
      : input.subarray(inRow * K, inRow * K + K);
  const outLen = c.kvOut ? outOffset + N / 3 : outOffset + N;
  const initial = randomF32(outLen, c.seed + 5, 3);
  const want = matvecRef(x, f16 ? roundToF16(weight) : weight, c.noBias ? null : bias, c, {
    gelu: c.gelu,
    residual: c.accumulate ? initial.subarray(outOffset) : undefined,
  });
  const label = `matvec_v2 K=${K} N=${N} ${f16 ? 'f16' : 'f32'} ${c.prologue}${c.gelu ? ' gelu' : ''}${c.accumulate ? ' +=' : ''}${c.kvOut ? ' kv' : ''} rpi=${c.rpi ?? 1} lanes=${c.lanes ?? 64} subgroups=${c.subgroups}`;
  await withBuffers(
    gpu,
    () => ({
      input: gpu.createStorage('input', input),
      weight: weightStorage(gpu, 'weight', weight, f16),
      bias: gpu.createStorage('bias', bias),
      gamma: gpu.createStorage('gamma', gamma),
      beta: gpu.createStorage('beta', beta),
      out: gpu.createStorage('out', initial),
      outK: gpu.createStorage('out_k', initial),
      outV: gpu.createStorage('out_v', initial),
    }),
    async (b) => {
      const options: MatvecV2Options = {
        weightsF16: f16,
        prologue:
          c.prologue === 'layernorm'
            ? { kind: 'layernorm', gamma: b.gamma, beta: b.beta }
            : { kind: 'none' },
        gelu: c.gelu,
        accumulate: c.accumulate,
        kvOut: c.kvOut,
        rowsPerInvocation: c.rpi,
        lanesPerRow: c.lanes,
        subgroups: c.subgroups,
      };
      const call = new MatvecV2Call(
        gpu,
        'matvec_v2',
        {
          input: b.input,
          weight: b.weight,
          bias: c.noBias ? undefined : b.bias,
          out: b.out,
          outK: b.outK,
          outV: b.outV,
        },
        options,
      );
      const sizes: MatvecV2Sizes = { K, N, inRow, outOffset, eps, split: c.kvOut ? N / 3 : 0 };
      try {
        await runPass(gpu, (pass) => call.encode(pass, sizes));
      } finally {
        call.destroy();
      }
      const tol = { atol: 3e-5, rtol: 2e-5 };
      if (c.kvOut) {
        const S = N / 3;
        for (const [i, name] of (['out', 'outK', 'outV'] as const).entries()) {
          const got = await gpu.readF32(b[name], 0, outLen);
          const expected = initial.slice();
          expected.set(want.subarray(i * S, i * S + S), outOffset);
          expectClose(got, expected, { ...tol, label: `${label} ${name}` });
        }
      } else {
        const expected = initial.slice();
        expected.set(want, outOffset);
        expectClose(await gpu.readF32(b.out, 0, outLen), expected, { ...tol, label });
      }
    },
  );
}

describe('matvec_v2 (decode linear, row per output) against the reference', () => {
  const t = useTestGpu();
  // Subgroups (SwiftShader: size 4) and the workgroup-memory fallback, each over the same
  // shapes: C = 96, 120, 1600 and GPT-2's 768 / 3072; unaligned K (37, 100 in f16) takes the
  // scalar loop; N not a multiple of the 4 * RPI rows per workgroup.
  for (const subgroups of [true, false]) {
    it(`plain input, f32 and f16, aligned and unaligned K (subgroups=${subgroups})`, async () => {
      for (const [K, N] of [
        [96, 1],
        [120, 65],
        [37, 13],
        [100, 30],
        [3072, 37],
      ] as const) {
        for (const f16 of [false, true]) {
          await checkMatvec(t.gpu, {
            K,
            N,
            f16,
            prologue: 'none',
            accumulate: true,
            subgroups,
            seed: K + N,
          });
        }
      }
    });
    // Each (f16, rows per invocation) pair is a pipeline to compile: a few, over many shapes.
    it(`layernorm prologue with GELU, f32 and f16, 2 rows per invocation (subgroups=${subgroups})`, async () => {
      for (const [K, N] of [
        [96, 384],
        [120, 61],
        [1600, 9],
        [37, 21],
        [768, 77],
      ] as const) {
        for (const f16 of [false, true]) {
          const c = { K, N, f16, prologue: 'layernorm', gelu: true, rpi: 2, subgroups } as const;
          await checkMatvec(t.gpu, { ...c, inRow: 1, seed: K * 3 + N });
        }
      }
    });
    it(`layernorm prologue, 1 and 4 rows per invocation, 16 invocations per row (the LM head, no bias; subgroups=${subgroups})`, async () => {
      for (const [K, N, rpi, f16, lanes] of [
        [120, 7, 1, false, 64],
        [768, 131, 4, true, 16],
        [1600, 75, 4, true, 16],
        [96, 397, 4, false, 16],
      ] as const) {
        const c = { K, N, f16, prologue: 'layernorm', rpi, lanes, subgroups } as const;
        await checkMatvec(t.gpu, { ...c, noBias: lanes === 16, inRow: 2, seed: K + rpi });
      }
    });
  }

  it('layernorm prologue writing q, k, v into three caches at a row offset (c_attn)', async () => {
    for (const [C, f16] of [
      [96, false],
      [120, true],
      [24, false],
    ] as const) {
      await checkMatvec(t.gpu, {
        K: C,
        N: 3 * C,
        f16,
        prologue: 'layernorm',
        kvOut: true,
        rpi: 2,
        subgroups: t.gpu.capabilities.subgroups,
        outOffset: 5 * C,
        seed: C,
      });
    }
  });

  it('the device used here offers subgroups (so both reductions are exercised)', () => {
    expect(t.gpu.capabilities.subgroups).toBe(true);
  });

  it('rejects sizes its buffers cannot hold', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({
        input: gpu.createStorage('input', new Float32Array(8)),
        weight: gpu.createStorage('weight', new Float32Array(32)),
        out: gpu.createStorage('out', new Float32Array(4)),
      }),
      async (b) => {
        const call = new MatvecV2Call(
          gpu,
          'matvec_v2.small',
          { input: b.input, weight: b.weight, out: b.out },
          {
            weightsF16: false,
            prologue: { kind: 'none' },
          },
        );
        try {
          await runPass(gpu, (pass) => {
            expect(() => call.encode(pass, { K: 8, N: 5 })).toThrow(/weight buffer/);
            expect(() => call.encode(pass, { K: 9, N: 2 })).toThrow(/input holds/);
            expect(() => call.encode(pass, { K: 4, N: 8 })).toThrow(/out holds/);
            call.encode(pass, { K: 8, N: 4 });
          });
        } finally {
          call.destroy();
        }
      },
    );
  });
});

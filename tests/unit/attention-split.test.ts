import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import {
  AttentionSplitCall,
  attentionPartialsFloats,
  attentionSplits,
} from '../../src/kernels/attention-split.ts';
import { MatvecV2Call } from '../../src/kernels/matvec-v2.ts';
import { packF16, roundToF16 } from '../../src/model/half.ts';
import {
  attentionSplitRef,
  causalAttentionRef,
  combineSplitsRef,
} from '../../src/reference/attention.ts';
import { matvecRef } from '../../src/reference/matvec.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('flash-decoding references', () => {
  it('split partials combine to causal attention of the last position', () => {
    const [n, C, NH] = [11, 12, 3];
    const q = randomF32(n * C, 1);
    const k = randomF32(n * C, 2);
    const v = randomF32(n * C, 3);
    const want = causalAttentionRef(q, k, v, n, C, NH).out.subarray((n - 1) * C);
    for (const keysPerSplit of [1, 4, 11]) {
      const S = Math.ceil(n / keysPerSplit);
      const partials = attentionSplitRef(q.subarray((n - 1) * C), k, v, n, C, NH, keysPerSplit);
      expectClose(combineSplitsRef(partials, C, NH, S), want, {
        atol: 1e-6,
        label: `runs of ${keysPerSplit}`,
      });
    }
  });

  it('splits keys into at most 8 runs of whole 64-key chunks, none empty', () => {
    expect(attentionSplits(0)).toEqual({ splits: 1, keysPerSplit: 64 });
    expect(attentionSplits(64)).toEqual({ splits: 2, keysPerSplit: 64 });
    expect(attentionSplits(1023)).toEqual({ splits: 8, keysPerSplit: 128 });
    for (let pos = 0; pos < 2048; pos += 37) {
      const { splits, keysPerSplit } = attentionSplits(pos);
      expect(splits).toBeLessThanOrEqual(8);
      expect(keysPerSplit % 64).toBe(0);
      expect((splits - 1) * keysPerSplit).toBeLessThan(pos + 1);
      expect(splits * keysPerSplit).toBeGreaterThanOrEqual(pos + 1);
    }
  });
});

interface Case {
  n: number; // context: keys 0 .. n - 1, the query at n - 1
  NH: number;
  HS: number;
  seed: number;
}

/** Runs attention_split on random caches of n rows and compares its partials. */
async function checkSplit(
  gpu: GpuContext,
  c: Case,
  then?: (partials: GPUBuffer, S: number, want: Float32Array) => Promise<void>,
) {
  const { n, NH, HS } = c;
  const C = NH * HS;
  // Scores of a few units: the softmax is neither flat nor one-hot.
  const q = randomF32(n * C, c.seed, 2);
  const k = randomF32(n * C, c.seed + 1, 2);
  const v = randomF32(n * C, c.seed + 2);
  const { splits: S, keysPerSplit } = attentionSplits(n - 1);
  const want = attentionSplitRef(q.subarray((n - 1) * C), k, v, n, C, NH, keysPerSplit);
  await withBuffers(
    gpu,
    () => ({
      q: gpu.createStorage('q', q),
      k: gpu.createStorage('k', k),
      v: gpu.createStorage('v', v),
      partials: emptyStorage(gpu, 'partials', attentionPartialsFloats(C, NH)),
    }),
    async (b) => {
      const call = new AttentionSplitCall(gpu, 'attention_split', {
        q: b.q,
        k: b.k,
        v: b.v,
        partials: b.partials,
      });
      try {
        let used = { splits: 0, keysPerSplit: 0 };
        await runPass(gpu, (pass) => {
          used = call.encode(pass, { pos: n - 1, C, NH });
        });
        expect(used).toEqual({ splits: S, keysPerSplit });
      } finally {
        call.destroy();
      }
      const got = await gpu.readF32(b.partials, 0, want.length);
      expectClose(got, want, {
        atol: 1e-5,
        rtol: 1e-5,
        label: `partials n=${n} NH=${NH} HS=${HS}`,
      });
      // The reference over a single run is plain softmax attention of the last position.
      const exact = combineSplitsRef(
        attentionSplitRef(q.subarray((n - 1) * C), k, v, n, C, NH, n),
        C,
        NH,
        1,
      );
      if (then) await then(b.partials, S, exact);
    },
  );
}

describe('attention_split (flash-decoding) and the combine folded into c_proj', () => {
  const t = useTestGpu();
  // Head sizes 24, 32, 64, 80; contexts 1, 63, 64, 65 (one chunk, a full one, one past it)
  // and 1024 (8 runs of 128 keys).
  for (const HS of [24, 32, 64, 80]) {
    it(`partials match the reference for HS=${HS} at contexts 1, 63, 64, 65, 1024`, async () => {
      const NH = HS === 80 ? 2 : 3;
      for (const n of [1, 63, 64, 65, 1024]) await checkSplit(t.gpu, { n, NH, HS, seed: n + HS });
    });
  }

  for (const f16 of [false, true]) {
    it(`c_proj with the combine prologue gives W @ attention + bias, added to the residual (${f16 ? 'f16' : 'f32'})`, async () => {
      const { gpu } = t;
      for (const [n, NH, HS] of [
        [1, 4, 24],
        [65, 3, 32],
        [1024, 2, 80],
        [300, 12, 64],
      ] as const) {
        const C = NH * HS;
        await checkSplit(gpu, { n, NH, HS, seed: 7 * n + HS }, async (partials, S, attention) => {
          const w = randomF32(C * C, n, 0.5);
          const bias = randomF32(C, n + 1);
          const residual = randomF32(C, n + 2);
          const want = matvecRef(
            attention,
            f16 ? roundToF16(w) : w,
            bias,
            { K: C, N: C },
            { residual },
          );
          const words = f16 ? packF16(w) : new Uint32Array(w.buffer);
          await withBuffers(
            gpu,
            () => ({
              weight: gpu.createStorage('w', words),
              bias: gpu.createStorage('bias', bias),
              out: gpu.createStorage('out', residual),
            }),
            async (b) => {
              const call = new MatvecV2Call(
                gpu,
                'c_proj',
                { input: partials, weight: b.weight, bias: b.bias, out: b.out },
                { weightsF16: f16, prologue: { kind: 'combine' }, accumulate: true },
              );
              try {
                await runPass(gpu, (pass) =>
                  call.encode(pass, { K: C, N: C, heads: NH, splits: S }),
                );
              } finally {
                call.destroy();
              }
              expectClose(await gpu.readF32(b.out, 0, C), want, {
                atol: 5e-5,
                rtol: 2e-5,
                label: `c_proj(combine) n=${n} NH=${NH} HS=${HS}`,
              });
            },
          );
        });
      }
    });
  }

  it('refuses heads it cannot serve and positions outside the cache', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({
        q: emptyStorage(gpu, 'q', 4 * 12),
        k: emptyStorage(gpu, 'k', 4 * 12),
        v: emptyStorage(gpu, 'v', 4 * 12),
        partials: emptyStorage(gpu, 'partials', attentionPartialsFloats(12, 3)),
      }),
      async (b) => {
        const call = new AttentionSplitCall(gpu, 'attention_split.small', {
          q: b.q,
          k: b.k,
          v: b.v,
          partials: b.partials,
        });
        try {
          await runPass(gpu, (pass) => {
            expect(() => call.encode(pass, { pos: 0, C: 12, NH: 2 })).toThrow(/multiple of 4/);
            expect(() => call.encode(pass, { pos: 4, C: 12, NH: 3 })).toThrow(/outside the cache/);
            call.encode(pass, { pos: 3, C: 12, NH: 3 });
          });
        } finally {
          call.destroy();
        }
      },
    );
  });
});

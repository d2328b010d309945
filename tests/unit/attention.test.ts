import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { AttentionCall } from '../../src/kernels/attention.ts';
import { KvWriteCall } from '../../src/kernels/kv-write.ts';
import { causalAttentionRef } from '../../src/reference/attention.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import {
  attentionCaseName,
  checkPrefillAttention,
  type AttentionCase,
} from '../helpers/kernel-checks.ts';
import { randomF32 } from '../helpers/random.ts';

describe('causal attention reference', () => {
  it('averages values uniformly when all scores tie, and sees only the past', () => {
    // C=2, NH=1, q = 0: every score is 0, so row t is the mean of v[0..t].
    const q = new Float32Array(6);
    const k = new Float32Array([1, 2, 3, 4, 5, 6]);
    const v = new Float32Array([1, 10, 3, 20, 8, 60]);
    const { out, probs } = causalAttentionRef(q, k, v, 3, 2, 1, { withProbs: true });
    expect([...out]).toEqual([1, 10, 2, 15, 4, 30]);
    expect([...probs![0]].map((p) => +p.toFixed(6))).toEqual([
      1, 0, 0, 0.5, 0.5, 0, 0.333333, 0.333333, 0.333333,
    ]);
  });

  it('weights by softmax(q . k / sqrt(HS)) per head', () => {
    // C=2, NH=2 (HS=1): head 0 scores row 1 as (0, 2 ln 3) -> weights 1/10, 9/10.
    const l = 2 * Math.log(3);
    const q = new Float32Array([0, 0, 1, 0]);
    const k = new Float32Array([0, 0, l, 0]);
    const v = new Float32Array([10, 1, 20, 3]);
    const { out } = causalAttentionRef(q, k, v, 2, 2, 2);
    expectClose(out, [10, 1, 19, 2], { label: 'out' });
  });
});

const runAttention = (gpu: GpuContext, c: AttentionCase, seed: number) =>
  checkPrefillAttention(gpu, (b) => new AttentionCall(gpu, 'attn', b), c, seed, 'attention');

describe('attention kernel', () => {
  const t = useTestGpu();
  const cases: AttentionCase[] = [
    // HS = 64
    { T: 1, pos0: 0, C: 128, NH: 2 },
    { T: 7, pos0: 0, C: 128, NH: 2 },
    { T: 65, pos0: 0, C: 128, NH: 2 },
    // HS = 32, 17 (below one D_TILE, odd) and 80 (two output dims for some invocations)
    { T: 65, pos0: 0, C: 96, NH: 3 },
    { T: 7, pos0: 0, C: 51, NH: 3 },
    { T: 65, pos0: 0, C: 160, NH: 2 },
    // prefill continuing after a cached context
    { T: 9, pos0: 58, C: 51, NH: 3 },
    // context longer than the workgroup: several key chunks, last one partial
    { T: 300, pos0: 0, C: 64, NH: 1 },
    { T: 2, pos0: 298, C: 160, NH: 2 },
    // scores of several hundred to thousands: exp() overflows unless the max is subtracted
    { T: 70, pos0: 0, C: 128, NH: 2, scale: 30 },
    { T: 3, pos0: 130, C: 51, NH: 3, scale: 100 },
  ];
  cases.forEach((c, i) => {
    it(`matches the full-sequence reference for ${attentionCaseName(c)}`, () =>
      runAttention(t.gpu, c, 100 + i));
  });

  it('gives every key the same weight when all scores tie at a huge negative value', async () => {
    const { gpu } = t;
    // q_p = 60 u, k_j = -60 u for all j: every score is -3600 |u|^2 / sqrt(HS), out = mean(v).
    const [T, C, NH] = [100, 64, 2];
    const u = randomF32(C, 7);
    const q = new Float32Array(T * C);
    const k = new Float32Array(T * C);
    for (let r = 0; r < T; r++) {
      for (let c = 0; c < C; c++) {
        q[r * C + c] = 60 * u[c];
        k[r * C + c] = -60 * u[c];
      }
    }
    const v = randomF32(T * C, 8);
    const want = new Float32Array(T * C);
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let r = 0; r < T; r++) {
        sum += v[r * C + c];
        want[r * C + c] = sum / (r + 1);
      }
    }
    await withBuffers(
      gpu,
      () => ({
        q: gpu.createStorage('q_store', q),
        k: gpu.createStorage('k_cache', k),
        v: gpu.createStorage('v_cache', v),
        out: emptyStorage(gpu, 'att', T * C),
      }),
      async (b) => {
        const call = new AttentionCall(gpu, 'attn', { q: b.q, k: b.k, v: b.v, out: b.out });
        await runPass(gpu, (pass) => call.encode(pass, { T, pos0: 0, C, NH }));
        call.destroy();
        expectClose(await gpu.readF32(b.out), want, { label: 'tied scores', atol: 1e-5 });
      },
    );
  });

  for (const { C, NH, prefill, steps } of [
    { C: 128, NH: 2, prefill: 5, steps: 6 },
    { C: 51, NH: 3, prefill: 5, steps: 4 },
    { C: 160, NH: 2, prefill: 62, steps: 4 }, // decode steps crossing the 64-key chunk edge
  ]) {
    it(`prefill ${prefill} then ${steps} decode steps equal the full sequence (C=${C} NH=${NH})`, async () => {
      const { gpu } = t;
      const n = prefill + steps;
      const P = n + 2;
      const qkv = randomF32(n * 3 * C, 40 + C);
      const q = new Float32Array(n * C);
      const k = new Float32Array(n * C);
      const v = new Float32Array(n * C);
      for (let r = 0; r < n; r++) {
        q.set(qkv.subarray(r * 3 * C, r * 3 * C + C), r * C);
        k.set(qkv.subarray(r * 3 * C + C, r * 3 * C + 2 * C), r * C);
        v.set(qkv.subarray(r * 3 * C + 2 * C, r * 3 * C + 3 * C), r * C);
      }
      const want = causalAttentionRef(q, k, v, n, C, NH).out;
      const garbage = new Float32Array(P * C).fill(NaN);
      await withBuffers(
        gpu,
        () => ({
          qkv: gpu.createStorage('qkv', qkv),
          q: gpu.createStorage('q_store', garbage),
          k: gpu.createStorage('k_cache', garbage),
          v: gpu.createStorage('v_cache', garbage),
          out: emptyStorage(gpu, 'att', prefill * C),
        }),
        async (b) => {
          const kvWrite = new KvWriteCall(gpu, 'kv_write', { qkv: b.qkv, q: b.q, k: b.k, v: b.v });
          const attn = new AttentionCall(gpu, 'attn', { q: b.q, k: b.k, v: b.v, out: b.out });
          try {
            // As in the model, qkv holds only the rows of this call: at decode, the new row
            // is written at the start of the buffer.
            await runPass(gpu, (pass) => {
              kvWrite.encode(pass, { T: prefill, C, pos0: 0 });
              attn.encode(pass, { T: prefill, pos0: 0, C, NH });
            });
            expectClose(await gpu.readF32(b.out, 0, prefill * C), want.subarray(0, prefill * C), {
              label: 'prefill',
              atol: 2e-6,
              rtol: 1e-5,
            });
            for (let pos0 = prefill; pos0 < n; pos0++) {
              const row = qkv.subarray(pos0 * 3 * C, (pos0 + 1) * 3 * C);
              gpu.write(b.qkv, row);
              await runPass(gpu, (pass) => {
                kvWrite.encode(pass, { T: 1, C, pos0 });
                attn.encode(pass, { T: 1, pos0, C, NH });
              });
              expectClose(await gpu.readF32(b.out, 0, C), want.subarray(pos0 * C, (pos0 + 1) * C), {
                label: `decode at pos0=${pos0}`,
                atol: 2e-6,
                rtol: 1e-5,
              });
            }
          } finally {
            kvWrite.destroy();
            attn.destroy();
          }
        },
      );
    });
  }

  it('refuses shapes it cannot serve', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({
        q: emptyStorage(gpu, 'q_store', 4 * 64),
        k: emptyStorage(gpu, 'k_cache', 4 * 64),
        v: emptyStorage(gpu, 'v_cache', 4 * 64),
        out: emptyStorage(gpu, 'att', 2 * 64),
      }),
      async (b) => {
        const call = new AttentionCall(gpu, 'attn', { q: b.q, k: b.k, v: b.v, out: b.out });
        try {
          await runPass(gpu, (pass) => {
            expect(() => call.encode(pass, { T: 1, pos0: 4, C: 64, NH: 1 })).toThrow(RangeError);
            expect(() => call.encode(pass, { T: 3, pos0: 0, C: 64, NH: 1 })).toThrow(RangeError);
            expect(() => call.encode(pass, { T: 1, pos0: 0, C: 64, NH: 3 })).toThrow(RangeError);
          });
        } finally {
          call.destroy();
        }
      },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { AttentionCall } from '../../src/kernels/attention.ts';
import { AttentionProbsCall } from '../../src/kernels/attention-probs.ts';
import { causalAttentionRef, probsTimesValuesRef } from '../../src/reference/attention.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('probs times values reference', () => {
  it('mixes value rows by the given probabilities per head', () => {
    // n=2, C=2, NH=2: head 0 row 1 takes (0.25, 0.75) of v[:, 0], head 1 copies row 0.
    const probs = [new Float32Array([1, 0, 0.25, 0.75]), new Float32Array([1, 0, 1, 0])];
    const v = new Float32Array([4, 1, 8, 2]);
    expect([...probsTimesValuesRef(probs, v, 2, 2)]).toEqual([4, 1, 7, 1]);
  });
});

describe('attention_probs kernel', () => {
  const t = useTestGpu();
  const cases = [
    { n: 1, C: 128, NH: 2 },
    { n: 7, C: 51, NH: 3 },
    { n: 65, C: 128, NH: 2 },
    { n: 65, C: 160, NH: 2 },
    { n: 300, C: 96, NH: 3 },
    { n: 70, C: 51, NH: 3, scale: 60 }, // scores in the hundreds
  ];
  for (const { n, C, NH, scale = 1 } of cases) {
    const HS = C / NH;
    it(`n=${n} HS=${HS} NH=${NH}${scale > 1 ? ` |q|,|k| <= ${scale}` : ''}: causal rows summing to 1, equal to the reference and to what attention used`, async () => {
      const { gpu } = t;
      const P = n + 3;
      // Rows past the context hold NaN: reading them would show.
      const cache = (valid: Float32Array) => {
        const a = new Float32Array(P * C).fill(NaN);
        a.set(valid);
        return a;
      };
      const q = randomF32(n * C, 11 + n, scale);
      const k = randomF32(n * C, 12 + n, scale);
      const v = randomF32(n * C, 13 + n);
      const ref = causalAttentionRef(q, k, v, n, C, NH, { withProbs: true });
      await withBuffers(
        gpu,
        () => ({
          q: gpu.createStorage('q_store', cache(q)),
          k: gpu.createStorage('k_cache', cache(k)),
          v: gpu.createStorage('v_cache', cache(v)),
          probs: gpu.createStorage('probs', new Float32Array(n * n).fill(NaN)),
          att: emptyStorage(gpu, 'att', n * C),
        }),
        async (b) => {
          const probsCall = new AttentionProbsCall(gpu, 'attn_probs', {
            q: b.q,
            k: b.k,
            out: b.probs,
          });
          const attn = new AttentionCall(gpu, 'attn', { q: b.q, k: b.k, v: b.v, out: b.att });
          const probs: Float32Array[] = [];
          try {
            await runPass(gpu, (pass) => attn.encode(pass, { T: n, pos0: 0, C, NH }));
            for (let head = 0; head < NH; head++) {
              await runPass(gpu, (pass) => probsCall.encode(pass, { n, C, NH, head }));
              probs.push(await gpu.readF32(b.probs));
            }
          } finally {
            probsCall.destroy();
            attn.destroy();
          }
          const tol = scale > 1 ? { atol: 1e-5, rtol: 1e-4 } : { atol: 1e-6, rtol: 1e-5 };
          probs.forEach((p, head) => {
            const above: number[] = [];
            const sums = new Float32Array(n);
            for (let i = 0; i < n; i++) {
              let s = 0;
              for (let j = 0; j <= i; j++) s += p[i * n + j];
              sums[i] = s;
              for (let j = i + 1; j < n; j++) if (p[i * n + j] !== 0) above.push(i * n + j);
            }
            expect(above, `head ${head}: entries above the diagonal that are not 0`).toEqual([]);
            expectClose(sums, new Float32Array(n).fill(1), {
              label: `head ${head} row sums`,
              atol: 1e-5,
              rtol: 0,
            });
            expectClose(p, ref.probs![head], { label: `head ${head} probs`, ...tol });
          });
          // The attention kernel's output is these probabilities applied to V.
          expectClose(await gpu.readF32(b.att), probsTimesValuesRef(probs, v, n, C), {
            label: 'attention out vs probs @ V',
            ...tol,
          });
        },
      );
    });
  }

  it('refuses a head or context it cannot serve', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({
        q: emptyStorage(gpu, 'q_store', 4 * 64),
        k: emptyStorage(gpu, 'k_cache', 4 * 64),
        out: emptyStorage(gpu, 'probs', 16),
      }),
      async (b) => {
        const call = new AttentionProbsCall(gpu, 'attn_probs', { q: b.q, k: b.k, out: b.out });
        try {
          await runPass(gpu, (pass) => {
            expect(() => call.encode(pass, { n: 4, C: 64, NH: 2, head: 2 })).toThrow(RangeError);
            expect(() => call.encode(pass, { n: 5, C: 64, NH: 2, head: 0 })).toThrow(RangeError);
          });
        } finally {
          call.destroy();
        }
      },
    );
  });
});

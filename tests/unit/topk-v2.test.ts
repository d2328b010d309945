import { describe, expect, it } from 'vitest';
import {
  LOGSUMEXP_OUTPUT_BYTES,
  parseLogSumExp,
  type LogitStats,
} from '../../src/kernels/logsumexp.ts';
import {
  TOPK_ENTRIES,
  TOPK_OUTPUT_BYTES,
  TOPK_PAD_ID,
  parseCandidates,
} from '../../src/kernels/topk.ts';
import { TopKLseCall } from '../../src/kernels/topk-v2.ts';
import { logSumExpRef, topKRef } from '../../src/reference/sampling.ts';
import { expectClose } from '../helpers/compare.ts';
import { runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32, rng } from '../helpers/random.ts';

describe('top-k + log-sum-exp v2 (one pass over the logits, one merge)', () => {
  const t = useTestGpu();

  async function run(
    logits: Float32Array,
    V: number,
    invT: number,
    maxV = V,
  ): Promise<{ candidates: ArrayBuffer; stats: LogitStats }> {
    const { gpu } = t;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
    return withBuffers(
      gpu,
      () => ({
        logits: gpu.createStorage('logits', logits),
        candidates: gpu.createBuffer('candidates', TOPK_OUTPUT_BYTES, usage),
        lse: gpu.createBuffer('lse', LOGSUMEXP_OUTPUT_BYTES, usage),
      }),
      async (b) => {
        const call = new TopKLseCall(
          gpu,
          'topk_v2',
          { logits: b.logits, candidates: b.candidates, lse: b.lse },
          { maxV },
        );
        try {
          await runPass(gpu, (pass) => call.encode(pass, { V, inv_temperature: invT }));
        } finally {
          call.destroy();
        }
        return {
          candidates: await gpu.read(b.candidates),
          stats: parseLogSumExp(await gpu.read(b.lse)),
        };
      },
    );
  }

  /** Candidates exactly the reference's, then padding; max exact, sums within 2e-5. */
  async function check(logits: Float32Array, V: number, invT = 1, maxV = V): Promise<ArrayBuffer> {
    const { candidates, stats } = await run(logits, V, invT, maxV);
    const expected = topKRef(logits.subarray(0, V), TOPK_ENTRIES);
    expect(parseCandidates(candidates, TOPK_ENTRIES)).toEqual(expected);
    const values = new Float32Array(candidates);
    const ids = new Uint32Array(candidates);
    for (let i = expected.length; i < TOPK_ENTRIES; i++) {
      expect([values[2 * i], ids[2 * i + 1]], `padding entry ${i}`).toEqual([
        -Infinity,
        TOPK_PAD_ID,
      ]);
    }
    const want = logSumExpRef(logits.subarray(0, V), invT);
    expect(stats.max, 'max').toBe(want.max);
    expect(stats.invTemperature, 'echoed inv_temperature').toBe(Math.fround(invT));
    if (want.sumExp === 0) {
      expect([stats.sumExp, stats.sumExpTemperature]).toEqual([0, 0]);
    } else {
      expectClose([stats.sumExp, stats.sumExpTemperature], [want.sumExp, want.sumExpTemperature], {
        atol: 0,
        rtol: 2e-5,
        label: `sums V=${V} invT=${invT}`,
      });
    }
    return candidates;
  }

  for (const V of [1, 5, 64, 65, 1000, 1025, 3073, 50257]) {
    it(`matches the references on random logits, V=${V}`, async () => {
      // Values past V are huge: reading them would win every place and wreck the sums.
      const logits = new Float32Array(V + 37).fill(3e38);
      logits.set(randomF32(V, V, 10));
      await check(logits, V, 1 / 0.7);
    });
  }

  it('breaks ties by lower id across chunks, and all-equal values give ids 0..64', async () => {
    const r = rng(7);
    await check(
      Float32Array.from({ length: 5000 }, () => Math.floor(r() * 6)),
      5000,
      1.25,
    );
    const equal = new Float32Array(3001).fill(-1.5);
    const got = await check(equal, 3001, 3);
    expect(parseCandidates(got, TOPK_ENTRIES).map((c) => c.id)).toEqual([
      ...Array(TOPK_ENTRIES).keys(),
    ]);
  });

  it('handles large magnitudes, signed zeros, -inf and NaN (NaN as -inf, counting for nothing)', async () => {
    const V = 2100;
    const r = rng(11);
    const specials = [3.3e38, -3.4e38, 1e-45, -1e-45, 0, -0, -Infinity, NaN, 1e30, -1e30];
    const logits = Float32Array.from({ length: V }, (_, i) =>
      i % 3 === 0 ? specials[Math.floor(r() * specials.length)] : (r() * 2 - 1) * 1e-3,
    );
    await check(logits, V, 1);
    await check(new Float32Array([NaN, -Infinity, 2, NaN, -Infinity]), 5, 2);
    await check(
      Float32Array.from({ length: 1300 }, (_, i) => (i % 2 ? NaN : -Infinity)),
      1300,
    );
  });

  it('serves a smaller V than planned, at several temperatures', async () => {
    const logits = randomF32(50257, 3, 5);
    await check(logits, 100, 1, 50257);
    for (const T of [0.3, 1.7]) await check(logits, 50257, 1 / T);
  });

  it('finds the winners wherever they sit (boosted tokens, 100 ties across the 65th place)', async () => {
    const V = 50257;
    const logits = randomF32(V, 5, 1);
    for (const id of [50256, 50255, 49152, 0, 1023, 1024]) logits[id] = 100 + id / 1e5;
    logits.fill(50, 30000, 30100);
    await check(logits, V);
  });
});

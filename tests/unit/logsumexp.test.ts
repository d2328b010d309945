import { describe, expect, it } from 'vitest';
import {
  LOGSUMEXP_OUTPUT_BYTES,
  LogSumExpCall,
  parseLogSumExp,
  type LogitStats,
} from '../../src/kernels/logsumexp.ts';
import { logSumExpRef } from '../../src/reference/sampling.ts';
import { expectClose } from '../helpers/compare.ts';
import { runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32, rng } from '../helpers/random.ts';

describe('logsumexp reference', () => {
  it('computes the normalisers by hand', () => {
    const s = logSumExpRef([0, Math.log(3), NaN, -Infinity], 2);
    expect(s.max).toBeCloseTo(Math.log(3), 12);
    expect(s.sumExp).toBeCloseTo(1 + 1 / 3, 12);
    expect(s.sumExpTemperature).toBeCloseTo(1 + 1 / 9, 12);
  });
});

describe('parseLogSumExp', () => {
  it('reads four f32 at an offset', () => {
    const bytes = new ArrayBuffer(8 + LOGSUMEXP_OUTPUT_BYTES);
    new Float32Array(bytes, 8, 4).set([1.5, 2, 3, 0.5]);
    expect(parseLogSumExp(bytes, 8)).toEqual({
      max: 1.5,
      sumExp: 2,
      sumExpTemperature: 3,
      invTemperature: 0.5,
    });
    expect(() => parseLogSumExp(bytes, 12)).toThrow(RangeError);
  });
});

describe('logsumexp kernel', () => {
  const t = useTestGpu();

  async function gpuStats(logits: Float32Array, V: number, invT: number): Promise<LogitStats> {
    const { gpu } = t;
    return withBuffers(
      gpu,
      () => ({
        logits: gpu.createStorage('logsumexp.test.logits', logits),
        out: gpu.createBuffer(
          'logsumexp.test.out',
          LOGSUMEXP_OUTPUT_BYTES,
          GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
        ),
      }),
      async (b) => {
        const call = new LogSumExpCall(gpu, 'logsumexp', { logits: b.logits, out: b.out });
        try {
          await runPass(gpu, (pass) => call.encode(pass, { V, inv_temperature: invT }));
        } finally {
          call.destroy();
        }
        return parseLogSumExp(await gpu.read(b.out));
      },
    );
  }

  /** max exact; the f32 sums within 2e-5 relative of the f64 reference. */
  async function check(logits: Float32Array, V: number, invT: number): Promise<void> {
    const got = await gpuStats(logits, V, invT);
    const want = logSumExpRef(logits.subarray(0, V), invT);
    expect(got.max, 'max').toBe(want.max);
    expect(got.invTemperature, 'echoed inv_temperature').toBe(Math.fround(invT));
    expectClose([got.sumExp, got.sumExpTemperature], [want.sumExp, want.sumExpTemperature], {
      atol: 0,
      rtol: 2e-5,
      label: `sums V=${V} invT=${invT}`,
    });
  }

  for (const V of [1, 5, 63, 64, 65, 255, 257, 1000, 50257]) {
    it(`matches the reference, V=${V}`, async () => {
      // Values past V are huge: reading them would wreck max and sums.
      const logits = new Float32Array(V + 13).fill(1e30);
      logits.set(randomF32(V, V + 100, 8));
      await check(logits, V, 1 / 0.7);
    });
  }

  it('matches at temperatures 0.3, 1 and 1.7 on GPT-2-sized logits', async () => {
    const logits = randomF32(50257, 9, 6);
    for (const T of [0.3, 1, 1.7]) await check(logits, 50257, 1 / T);
  });

  it('handles ties and all-equal values', async () => {
    const r = rng(4);
    await check(
      Float32Array.from({ length: 4099 }, () => Math.floor(r() * 5)),
      4099,
      1.25,
    );
    const equal = new Float32Array(3000).fill(-7.25);
    const got = await gpuStats(equal, 3000, 3);
    expect([got.max, got.sumExp, got.sumExpTemperature]).toEqual([-7.25, 3000, 3000]);
  });

  it('handles large magnitudes (exp underflows for all but the top)', async () => {
    const r = rng(5);
    const logits = Float32Array.from({ length: 2000 }, () => (r() * 2 - 1) * 3e37);
    logits[1234] = 3.3e38;
    logits[77] = 3.3e38;
    await check(logits, 2000, 1);
    await check(logits, 2000, 10);
    const got = await gpuStats(logits, 2000, 1);
    expect([got.max, got.sumExp]).toEqual([Math.fround(3.3e38), 2]);
  });

  it('ignores NaN and -inf, and gives (-inf, 0, 0) when nothing else is left', async () => {
    const r = rng(6);
    const logits = Float32Array.from({ length: 700 }, (_, i) =>
      i % 5 === 0 ? NaN : i % 7 === 0 ? -Infinity : r() * 4,
    );
    await check(logits, 700, 2);
    const none = Float32Array.from({ length: 300 }, (_, i) => (i % 2 ? NaN : -Infinity));
    const got = await gpuStats(none, 300, 1);
    expect([got.max, got.sumExp, got.sumExpTemperature]).toEqual([-Infinity, 0, 0]);
  });
});

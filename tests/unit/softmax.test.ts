import { describe, expect, it } from 'vitest';
import { SoftmaxCall } from '../../src/kernels/softmax.ts';
import { softmaxRef } from '../../src/reference/softmax.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('softmax reference', () => {
  it('matches hand-computed values', () => {
    const e = Math.E;
    expectClose(
      softmaxRef(new Float32Array([0, 1, 1000, 1000]), 2),
      [1 / (1 + e), e / (1 + e), 0.5, 0.5],
      { atol: 1e-7, label: 'ref' },
    );
  });
});

describe('softmax kernel', () => {
  const t = useTestGpu();

  async function run(input: Float32Array, rows: number, n: number): Promise<Float32Array> {
    const { gpu } = t;
    return withBuffers(
      gpu,
      () => ({
        input: gpu.createStorage('input', input),
        out: emptyStorage(gpu, 'out', rows * n + 1),
      }),
      async (bufs) => {
        gpu.write(bufs.out, new Float32Array(rows * n + 1).fill(-7));
        const call = new SoftmaxCall(gpu, 'softmax', { input: bufs.input, out: bufs.out });
        await runPass(gpu, (pass) => call.encode(pass, { rows, n }));
        call.destroy();
        const got = await gpu.readF32(bufs.out);
        expect(got[rows * n], 'the element after the last row is untouched').toBe(-7);
        return got.subarray(0, rows * n);
      },
    );
  }

  function expectRowsSumToOne(p: Float32Array, n: number): void {
    for (let r = 0; r < p.length / n; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += p[r * n + i];
      expect(Math.abs(s - 1), `row ${r} sums to ${s}`).toBeLessThan(1e-5);
    }
  }

  const tolerance = { atol: 1e-7, rtol: 2e-5 };
  const cases = [
    { rows: 1, n: 1 },
    { rows: 3, n: 7 },
    { rows: 5, n: 65 },
    { rows: 2, n: 256 },
    { rows: 4, n: 1000 },
    { rows: 1, n: 50257 },
  ];
  for (const { rows, n } of cases) {
    it(`matches the reference for rows=${rows}, n=${n}`, async () => {
      const input = randomF32(rows * n, rows * n, 8);
      const got = await run(input, rows, n);
      expectClose(got, softmaxRef(input, n), { ...tolerance, label: 'softmax' });
      expectRowsSumToOne(got, n);
    });
  }

  it('handles extreme rows: +-1e4, one dominant value, all equal', async () => {
    const n = 300;
    const rows: number[][] = [
      Array.from({ length: n }, (_, i) => 1e4 + (i % 5)), // all near +1e4
      Array.from({ length: n }, (_, i) => -1e4 - (i % 7)), // all near -1e4
      Array.from({ length: n }, (_, i) => (i % 2 ? 1e4 : -1e4)), // half +1e4, half -1e4
      Array.from({ length: n }, (_, i) => (i === 277 ? 50 : 0)), // one dominant value
      Array.from({ length: n }, (_, i) => (i === 3 ? 1e4 : -3)), // one value dwarfs the rest
      Array.from({ length: n }, () => 42.5), // all equal
    ];
    const input = new Float32Array(rows.flat());
    const got = await run(input, rows.length, n);
    expect(got.every(Number.isFinite)).toBe(true);
    expectClose(got, softmaxRef(input, n), { ...tolerance, label: 'softmax extremes' });
    expectRowsSumToOne(got, n);
    expect(got[4 * n + 3]).toBe(1);
    expect(got[5 * n + 17]).toBeCloseTo(1 / n, 9);
  });
});

import { describe, expect, it } from 'vitest';
import { GeluCall } from '../../src/kernels/gelu.ts';
import { gelu, geluRef } from '../../src/reference/gelu.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('gelu reference', () => {
  it('matches hand-computed values', () => {
    expect(gelu(0)).toBe(0);
    // Published values of the tanh approximation.
    expect(gelu(1)).toBeCloseTo(0.841192, 6);
    expect(gelu(-1)).toBeCloseTo(-0.158808, 6);
    expect(gelu(100)).toBe(100);
    expect(Math.abs(gelu(-100))).toBe(0);
  });
  it('applies elementwise in f32', () => {
    expect([...geluRef(new Float32Array([0, 1e4, -1e4]))].map(Math.abs)).toEqual([0, 1e4, 0]);
  });
});

describe('gelu kernel', () => {
  const t = useTestGpu();

  async function run(input: Float32Array): Promise<Float32Array> {
    const { gpu } = t;
    const n = input.length;
    return withBuffers(
      gpu,
      () => ({ input: gpu.createStorage('input', input), out: emptyStorage(gpu, 'out', n + 1) }),
      async (bufs) => {
        gpu.write(bufs.out, new Float32Array(n + 1).fill(-7));
        const call = new GeluCall(gpu, 'gelu', { input: bufs.input, out: bufs.out });
        await runPass(gpu, (pass) => call.encode(pass, n));
        call.destroy();
        const got = await gpu.readF32(bufs.out);
        expect(got[n], 'the element after n is untouched').toBe(-7);
        return got.subarray(0, n);
      },
    );
  }

  for (const n of [1, 7, 255, 256, 257, 1000]) {
    it(`matches the reference for n=${n}`, async () => {
      const input = randomF32(n, n, 6);
      expectClose(await run(input), geluRef(input), { atol: 1e-6, rtol: 1e-5, label: 'gelu' });
    });
  }

  it('gives x or 0 exactly for extreme inputs, and no NaN anywhere', async () => {
    const extremes = [
      100, -100, 1e4, -1e4, 20, -20, 30, -30, 1e20, -1e20, 3e38, -3e38, 10, -10, 5, -5, 3, -3, 0,
    ];
    // A sweep across the range where tanh saturates, where a naive tanh misbehaves.
    const sweep = Array.from({ length: 401 }, (_, i) => -50 + i * 0.25);
    const input = new Float32Array([...extremes, ...sweep]);
    const got = await run(input);
    const want = geluRef(input);
    expect(got.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < input.length; i++) {
      const x = input[i];
      if (Math.abs(x) >= 20) expect(Math.abs(got[i]), `gelu(${x})`).toBe(Math.abs(want[i]));
    }
    expectClose(got, want, { atol: 1e-6, rtol: 1e-5, label: 'gelu extremes' });
  });
});

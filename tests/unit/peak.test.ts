import { describe, expect, it } from 'vitest';
import { PeakCopyCall } from '../../src/kernels/peak-copy.ts';
import { PeakFmaCall } from '../../src/kernels/peak-fma.ts';
import { PEAK_WG, PeakReadCall } from '../../src/kernels/peak-read.ts';
import { peakFmaRef, peakReadRef } from '../../src/reference/peak.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { rng } from '../helpers/random.ts';

function randomWords(n: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: n }, () => Math.floor(r() * 4294967296));
}

describe('peak kernel references', () => {
  it('sums each invocation’s strided vec4 elements with wrapping adds', () => {
    const data = new Uint32Array([1, 2, 3, 4, 0xffffffff, 1, 0, 0, 10, 0, 0, 0]);
    expect([...peakReadRef(data, 3, 2)]).toEqual([1 + 2 + 3 + 4 + 10, 0]);
    expect([...peakReadRef(data, 2, 1)]).toEqual([10]);
  });

  it('runs the FMA chains to c / (1 - m)', () => {
    expect(peakFmaRef(1, 0, 0.5, 1)[0]).toBeCloseTo(0 + 0.25 + 0.5 + 0.75, 6);
    expect(peakFmaRef(1, 200, 0.5, 1)[0]).toBeCloseTo(4 * 2, 5);
  });
});

describe('peak kernels', () => {
  const t = useTestGpu();

  // Sizes around the workgroup, the grid stride and the 4-way unroll (4S).
  for (const [n, groups] of [
    [1, 1],
    [7, 1],
    [255, 1],
    [1023, 1],
    [1025, 1],
    [4 * 256 * 3 + 5, 3],
    [10_000, 2],
    [100, 5],
  ]) {
    it(`peak_read sums what it reads (n=${n} vec4, ${groups} workgroups)`, async () => {
      const { gpu } = t;
      const data = randomWords(4 * n + 8, n);
      await withBuffers(
        gpu,
        () => ({
          data: gpu.createStorage('data', data),
          out: emptyStorage(gpu, 'out', groups * PEAK_WG),
        }),
        async (b) => {
          const call = new PeakReadCall(gpu, 'peak_read', { data: b.data, out: b.out }, groups);
          await runPass(gpu, (pass) => call.encode(pass, n));
          call.destroy();
          const got = new Uint32Array(await gpu.read(b.out));
          expect([...got]).toEqual([...peakReadRef(data, n, groups * PEAK_WG)]);
        },
      );
    });

    it(`peak_copy copies n=${n} vec4 with ${groups} workgroups`, async () => {
      const { gpu } = t;
      const src = randomWords(4 * n, n + 1);
      await withBuffers(
        gpu,
        () => ({
          src: gpu.createStorage('src', src),
          dst: gpu.createStorage('dst', new Uint32Array(4 * n + 4).fill(7)),
        }),
        async (b) => {
          const call = new PeakCopyCall(gpu, 'peak_copy', { src: b.src, dst: b.dst }, groups);
          await runPass(gpu, (pass) => call.encode(pass, n));
          call.destroy();
          const got = new Uint32Array(await gpu.read(b.dst));
          expect(got.subarray(0, 4 * n)).toEqual(src);
          expect([...got.subarray(4 * n)]).toEqual([7, 7, 7, 7]);
        },
      );
    });
  }

  for (const [iters, groups] of [
    [0, 1],
    [1, 1],
    [7, 3],
    [300, 2],
  ]) {
    it(`peak_fma runs ${iters} steps of its chains in ${groups} workgroups`, async () => {
      const { gpu } = t;
      const m = Math.fround(0.9);
      const c = Math.fround(0.01);
      await withBuffers(
        gpu,
        () => ({ out: emptyStorage(gpu, 'out', groups * PEAK_WG * 4) }),
        async (b) => {
          const call = new PeakFmaCall(gpu, 'peak_fma', { out: b.out }, groups);
          await runPass(gpu, (pass) => call.encode(pass, { iters, m, c }));
          call.destroy();
          expectClose(await gpu.readF32(b.out), peakFmaRef(groups * PEAK_WG, iters, m, c), {
            atol: 1e-5,
            rtol: 1e-5,
            label: 'peak_fma',
          });
        },
      );
    });
  }

  it('refuses sizes its buffers cannot hold', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({ data: emptyStorage(gpu, 'data', 16), out: emptyStorage(gpu, 'out', PEAK_WG) }),
      async (b) => {
        const read = new PeakReadCall(gpu, 'peak_read', { data: b.data, out: b.out }, 1);
        await runPass(gpu, (pass) => expect(() => read.encode(pass, 5)).toThrow(RangeError));
        read.destroy();
        expect(() => new PeakReadCall(gpu, 'r', { data: b.data, out: b.out }, 2)).toThrow(
          /out holds/,
        );
        expect(() => new PeakFmaCall(gpu, 'f', { out: b.out }, 1)).toThrow(/out holds/);
      },
    );
  });
});

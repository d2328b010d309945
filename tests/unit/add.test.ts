import { describe, expect, it } from 'vitest';
import { AddCall } from '../../src/kernels/add.ts';
import { addRef } from '../../src/reference/add.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('add reference', () => {
  it('adds elementwise', () => {
    expect([...addRef(new Float32Array([1, 2]), new Float32Array([3, -5]))]).toEqual([4, -3]);
  });
});

describe('add kernel', () => {
  const t = useTestGpu();
  for (const n of [1, 7, 255, 256, 257, 1000]) {
    it(`matches the reference for n=${n}`, async () => {
      const { gpu } = t;
      const a = randomF32(n, n);
      const b = randomF32(n, n + 1);
      await withBuffers(
        gpu,
        () => ({
          a: gpu.createStorage('a', a),
          b: gpu.createStorage('b', b),
          out: emptyStorage(gpu, 'out', n),
        }),
        async (bufs) => {
          const call = new AddCall(gpu, 'add', { a: bufs.a, b: bufs.b, out: bufs.out });
          await runPass(gpu, (pass) => call.encode(pass, n));
          call.destroy();
          expectClose(await gpu.readF32(bufs.out), addRef(a, b), { label: 'add' });
        },
      );
    });
  }
});

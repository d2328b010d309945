import { describe, expect, it } from 'vitest';
import { KvWriteCall } from '../../src/kernels/kv-write.ts';
import { kvWriteRef } from '../../src/reference/attention.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

describe('kv_write reference', () => {
  it('splits q | k | v rows into the caches at pos0', () => {
    // T=2, C=2, pos0=1, P=4: rows 0 and 3 stay untouched.
    const qkv = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const caches = { q: new Float32Array(8), k: new Float32Array(8), v: new Float32Array(8) };
    kvWriteRef(qkv, 2, 2, 1, caches);
    expect([...caches.q]).toEqual([0, 0, 1, 2, 7, 8, 0, 0]);
    expect([...caches.k]).toEqual([0, 0, 3, 4, 9, 10, 0, 0]);
    expect([...caches.v]).toEqual([0, 0, 5, 6, 11, 12, 0, 0]);
  });
});

describe('kv_write kernel', () => {
  const t = useTestGpu();
  const cases = [
    { T: 1, C: 51, pos0: 0 },
    { T: 7, C: 51, pos0: 3 },
    { T: 65, C: 64, pos0: 0 },
    { T: 3, C: 300, pos0: 10 }, // C above one workgroup of 256
  ];
  for (const { T, C, pos0 } of cases) {
    it(`writes T=${T} rows of C=${C} at pos0=${pos0}, leaving other rows alone`, async () => {
      const { gpu } = t;
      const P = pos0 + T + 2;
      const qkv = randomF32(T * 3 * C, 1 + T + C);
      const before = {
        q: randomF32(P * C, 2, 9),
        k: randomF32(P * C, 3, 9),
        v: randomF32(P * C, 4, 9),
      };
      const want = { q: before.q.slice(), k: before.k.slice(), v: before.v.slice() };
      kvWriteRef(qkv, T, C, pos0, want);
      await withBuffers(
        gpu,
        () => ({
          qkv: gpu.createStorage('qkv', qkv),
          q: gpu.createStorage('q_store', before.q),
          k: gpu.createStorage('k_cache', before.k),
          v: gpu.createStorage('v_cache', before.v),
        }),
        async (b) => {
          const call = new KvWriteCall(gpu, 'kv_write', { qkv: b.qkv, q: b.q, k: b.k, v: b.v });
          await runPass(gpu, (pass) => call.encode(pass, { T, C, pos0 }));
          call.destroy();
          // A copy must be exact: compare bit for bit.
          expect([...(await gpu.readF32(b.q))]).toEqual([...want.q]);
          expect([...(await gpu.readF32(b.k))]).toEqual([...want.k]);
          expect([...(await gpu.readF32(b.v))]).toEqual([...want.v]);
        },
      );
    });
  }

  it('refuses rows past the end of the cache', async () => {
    const { gpu } = t;
    const C = 8;
    await withBuffers(
      gpu,
      () => ({
        qkv: emptyStorage(gpu, 'qkv', 2 * 3 * C),
        q: emptyStorage(gpu, 'q_store', 4 * C),
        k: emptyStorage(gpu, 'k_cache', 4 * C),
        v: emptyStorage(gpu, 'v_cache', 4 * C),
      }),
      async (b) => {
        const call = new KvWriteCall(gpu, 'kv_write', { qkv: b.qkv, q: b.q, k: b.k, v: b.v });
        try {
          await runPass(gpu, (pass) => {
            expect(() => call.encode(pass, { T: 2, C, pos0: 3 })).toThrow(RangeError);
            expect(() => call.encode(pass, { T: 3, C, pos0: 0 })).toThrow(RangeError);
          });
        } finally {
          call.destroy();
        }
      },
    );
  });
});

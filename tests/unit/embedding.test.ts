import { describe, expect, it } from 'vitest';
import { EmbeddingCall } from '../../src/kernels/embedding.ts';
import { packF16, roundToF16 } from '../../src/model/half.ts';
import { embeddingRef } from '../../src/reference/embedding.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32, rng } from '../helpers/random.ts';

describe('embedding reference', () => {
  it('adds the token row and the position row', () => {
    // V = 3, P = 3, C = 2
    const wte = new Float32Array([0, 1, 10, 11, 20, 21]);
    const wpe = new Float32Array([0, 0, 100, 200, 300, 400]);
    expect([...embeddingRef([2, 0], wte, wpe, 2, 1)]).toEqual([120, 221, 300, 401]);
  });
  it('rejects ids outside the vocabulary', () => {
    expect(() => embeddingRef([3], new Float32Array(6), new Float32Array(6), 2, 0)).toThrow(
      RangeError,
    );
  });
});

describe('embedding kernel', () => {
  const t = useTestGpu();
  const V = 53;
  const P = 80;
  const cases = [
    { T: 1, C: 37, pos0: 0 },
    { T: 1, C: 300, pos0: 79 },
    { T: 7, C: 37, pos0: 5 },
    { T: 7, C: 64, pos0: 0 },
    { T: 65, C: 257, pos0: 3 },
  ];
  for (const weightsF16 of [false, true]) {
    for (const { T, C, pos0 } of cases) {
      it(`matches the reference (${weightsF16 ? 'f16' : 'f32'}, T=${T}, C=${C}, pos0=${pos0})`, async () => {
        const { gpu } = t;
        const seed = T * 1000 + C + pos0;
        const wte = randomF32(V * C, seed);
        const wpe = randomF32(P * C, seed + 1, 0.1);
        const r = rng(seed + 2);
        const ids = Uint32Array.from({ length: T }, (_, i) =>
          i === 0 ? V - 1 : Math.floor(r() * V),
        );
        const store = (w: Float32Array) => (weightsF16 ? packF16(w) : w);
        const expected = weightsF16
          ? embeddingRef(ids, roundToF16(wte), roundToF16(wpe), C, pos0)
          : embeddingRef(ids, wte, wpe, C, pos0);
        await withBuffers(
          gpu,
          () => ({
            ids: gpu.createStorage('ids', ids),
            wte: gpu.createStorage('wte', store(wte)),
            wpe: gpu.createStorage('wpe', store(wpe)),
            // One row more than needed: rows beyond T must stay untouched.
            out: emptyStorage(gpu, 'out', (T + 1) * C),
          }),
          async (bufs) => {
            gpu.write(bufs.out, new Float32Array((T + 1) * C).fill(-7));
            const { ids: idsBuf, wte: wteBuf, wpe: wpeBuf, out } = bufs;
            const call = new EmbeddingCall(
              gpu,
              'embedding',
              { ids: idsBuf, wte: wteBuf, wpe: wpeBuf, out },
              { weightsF16 },
            );
            await runPass(gpu, (pass) => call.encode(pass, { T, C, pos0 }));
            call.destroy();
            const got = await gpu.readF32(bufs.out);
            // One f32 addition of the same operands on both sides: exact.
            expectClose(got.subarray(0, T * C), expected, { atol: 0, rtol: 0, label: 'embedding' });
            expect(got.subarray(T * C).every((v) => v === -7)).toBe(true);
          },
        );
      });
    }
  }
});

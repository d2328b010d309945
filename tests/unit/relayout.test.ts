import { describe, expect, it } from 'vitest';
import { encodeTranspose } from '../../src/kernels/relayout.ts';
import { f32ToF16Bits } from '../../src/model/half.ts';
import { transposeRef } from '../../src/reference/matvec.ts';
import { useTestGpu, withBuffers, emptyStorage } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

/** Halves packed in pairs as the engine holds f16 (element i in word i >> 1, low half even). */
function packF16Bits(bits: Uint16Array): Uint32Array {
  const out = new Uint32Array(Math.ceil(bits.length / 2));
  for (let i = 0; i < bits.length; i++) out[i >> 1] |= bits[i] << (16 * (i & 1));
  return out;
}

describe('transpose reference', () => {
  it('turns [2, 3] into [3, 2]', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect([...transposeRef(src, 2, 3, (n) => new Float32Array(n))]).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('relayout kernel (Conv1D [K, N] to row per output [N, K], at load)', () => {
  const t = useTestGpu();
  // Odd sizes put f16 elements at both halves of a word and leave a final half-filled word.
  for (const [rows, cols] of [
    [1, 1],
    [3, 5],
    [37, 53],
    [96, 288],
    [257, 129],
  ] as const) {
    for (const f16 of [false, true]) {
      it(`[${rows}, ${cols}] ${f16 ? 'f16 (bits kept, subnormals too)' : 'f32'}`, async () => {
        const { gpu } = t;
        const values = randomF32(rows * cols, rows * 7 + cols);
        // Subnormal halves, which a widening to f32 and back could flush.
        values[0] = 3e-6;
        if (values.length > 2) values[2] = -1e-7;
        const bits = Uint16Array.from(values, (v) => f32ToF16Bits(v));
        const words = f16 ? packF16Bits(bits) : new Uint32Array(values.buffer);
        await withBuffers(
          gpu,
          () => ({
            src: gpu.createStorage('src', words),
            out: gpu.createStorage('out', new Uint32Array(words.length).fill(0xdeadbeef)),
          }),
          async (b) => {
            const encoder = gpu.device.createCommandEncoder();
            const call = encodeTranspose(
              gpu,
              encoder,
              'transpose',
              { src: b.src, out: b.out },
              { rowsIn: rows, colsIn: cols, f16 },
            );
            gpu.device.queue.submit([encoder.finish()]);
            call.destroy();
            const got = new Uint32Array(await gpu.read(b.out, 0, words.length * 4));
            const want = f16
              ? packF16Bits(transposeRef(bits, rows, cols, (n) => new Uint16Array(n)))
              : new Uint32Array(
                  transposeRef(values, rows, cols, (n) => new Float32Array(n)).buffer,
                );
            expect(got).toEqual(want);
          },
        );
      });
    }
  }

  it('rejects buffers smaller than the matrix', async () => {
    const { gpu } = t;
    await withBuffers(
      gpu,
      () => ({ src: emptyStorage(gpu, 'src', 6), out: emptyStorage(gpu, 'out', 5) }),
      async (b) => {
        const encoder = gpu.device.createCommandEncoder();
        expect(() =>
          encodeTranspose(
            gpu,
            encoder,
            'transpose',
            { src: b.src, out: b.out },
            { rowsIn: 2, colsIn: 3, f16: false },
          ),
        ).toThrow(/out holds 20 bytes, \[2, 3\] needs 24/);
      },
    );
  });
});

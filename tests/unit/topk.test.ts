import { describe, expect, it } from 'vitest';
import {
  TOPK_ENTRIES,
  TOPK_OUTPUT_BYTES,
  TOPK_PAD_ID,
  TopKCall,
  parseCandidates,
  topkRounds,
} from '../../src/kernels/topk.ts';
import { topKRef } from '../../src/reference/sampling.ts';
import { runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32, rng } from '../helpers/random.ts';

describe('topk reference', () => {
  it('sorts by value descending, ties by lower id, NaN as -inf, -0 as 0', () => {
    expect(topKRef([1, NaN, 3, -0, 3, -Infinity], 6)).toEqual([
      { id: 2, logit: 3 },
      { id: 4, logit: 3 },
      { id: 0, logit: 1 },
      { id: 3, logit: 0 },
      { id: 1, logit: -Infinity },
      { id: 5, logit: -Infinity },
    ]);
  });
});

describe('topk rounds', () => {
  it('plans one round per 8x reduction', () => {
    expect(topkRounds(1)).toEqual([1]);
    expect(topkRounds(1024)).toEqual([1024]);
    expect(topkRounds(1025)).toEqual([1025, 256]);
    expect(topkRounds(50257)).toEqual([50257, 6400, 896]);
  });
});

describe('parseCandidates', () => {
  it('reads (f32, u32) pairs and stops at padding', () => {
    const bytes = new ArrayBuffer(TOPK_OUTPUT_BYTES);
    const f = new Float32Array(bytes);
    const u = new Uint32Array(bytes);
    f[0] = 2.5;
    u[1] = 7;
    f[2] = -1;
    u[3] = 3;
    f[4] = -Infinity;
    u[5] = TOPK_PAD_ID;
    expect(parseCandidates(bytes, TOPK_ENTRIES)).toEqual([
      { id: 7, logit: 2.5 },
      { id: 3, logit: -1 },
    ]);
    expect(parseCandidates(bytes, 1)).toEqual([{ id: 7, logit: 2.5 }]);
    expect(() => parseCandidates(new ArrayBuffer(8), 2)).toThrow(RangeError);
    expect(() => parseCandidates(bytes, TOPK_ENTRIES + 1)).toThrow(RangeError);
  });
});

/** Logits with extra entries past V that must be ignored (huge, so they would win). */
function withTail(logits: Float32Array, extra: number): Float32Array {
  const out = new Float32Array(logits.length + extra).fill(3e38);
  out.set(logits);
  return out;
}

describe('topk kernel', () => {
  const t = useTestGpu();

  async function gpuTopK(logits: Float32Array, V: number, maxV = V): Promise<ArrayBuffer> {
    const { gpu } = t;
    return withBuffers(
      gpu,
      () => ({
        logits: gpu.createStorage('topk.test.logits', logits),
        out: gpu.createBuffer(
          'topk.test.out',
          TOPK_OUTPUT_BYTES,
          GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
        ),
      }),
      async (b) => {
        const call = new TopKCall(gpu, 'topk', { logits: b.logits, out: b.out }, { maxV });
        try {
          await runPass(gpu, (pass) => call.encode(pass, { V }));
        } finally {
          call.destroy();
        }
        return gpu.read(b.out);
      },
    );
  }

  /** The GPU output must be exactly the reference: same ids, same f32 values, then padding. */
  async function check(logits: Float32Array, V: number, maxV = V): Promise<void> {
    const bytes = await gpuTopK(logits, V, maxV);
    const expected = topKRef(logits.subarray(0, V), TOPK_ENTRIES);
    expect(parseCandidates(bytes, TOPK_ENTRIES)).toEqual(expected);
    const values = new Float32Array(bytes);
    const ids = new Uint32Array(bytes);
    for (let i = expected.length; i < TOPK_ENTRIES; i++) {
      expect([values[2 * i], ids[2 * i + 1]], `padding entry ${i}`).toEqual([
        -Infinity,
        TOPK_PAD_ID,
      ]);
    }
  }

  for (const V of [1, 5, 63, 64, 65, 1000, 1025, 50257]) {
    it(`matches the reference on random logits, V=${V}`, async () => {
      await check(withTail(randomF32(V, V, 10), 37), V);
    });
  }

  it('breaks ties by lower id (few distinct values, V=5000)', async () => {
    const r = rng(7);
    const logits = Float32Array.from({ length: 5000 }, () => Math.floor(r() * 6));
    await check(logits, 5000);
  });

  it('returns ids 0..64 when all values are equal (V=3001)', async () => {
    const logits = new Float32Array(3001).fill(-1.5);
    await check(logits, 3001);
    const got = parseCandidates(await gpuTopK(logits, 3001), TOPK_ENTRIES);
    expect(got.map((c) => c.id)).toEqual([...Array(TOPK_ENTRIES).keys()]);
  });

  it('handles large magnitudes, signed zeros, -inf and NaN (NaN counts as -inf)', async () => {
    const V = 2100;
    const r = rng(11);
    const specials = [3.4e38, -3.4e38, 1e-45, -1e-45, 0, -0, -Infinity, NaN, 1e30, -1e30];
    const logits = Float32Array.from({ length: V }, (_, i) =>
      i % 3 === 0 ? specials[Math.floor(r() * specials.length)] : (r() * 2 - 1) * 1e-3,
    );
    await check(logits, V);
  });

  it('puts real -inf and NaN entries before padding when V < 65', async () => {
    const logits = new Float32Array([NaN, -Infinity, 2, NaN, -Infinity]);
    await check(logits, 5);
    expect(parseCandidates(await gpuTopK(logits, 5), TOPK_ENTRIES)).toEqual([
      { id: 2, logit: 2 },
      { id: 0, logit: -Infinity },
      { id: 1, logit: -Infinity },
      { id: 3, logit: -Infinity },
      { id: 4, logit: -Infinity },
    ]);
  });

  it('serves a smaller V than planned with the same call (maxV=50257, V=100 and 3000)', async () => {
    const logits = randomF32(50257, 3, 5);
    await check(logits, 100, 50257);
    await check(logits, 3000, 50257);
  });

  it('finds the winners wherever they sit (boosted tokens in the last chunk)', async () => {
    const V = 50257;
    const logits = randomF32(V, 5, 1);
    for (const id of [50256, 50255, 49152, 0, 1023, 1024]) logits[id] = 100 + id / 1e5;
    logits.fill(50, 30000, 30100); // 100 ties straddling the 65th place
    await check(logits, V);
  });
});

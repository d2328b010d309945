/**
 * GPU-vs-reference checks shared by a kernel's numbered versions (v1, v2, ...): every
 * version of one kernel is held to the same inputs, reference and tolerance.
 */
import { expect } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import type { AttentionSizes } from '../../src/kernels/attention.ts';
import type { LayerNormBuffers, LayerNormSizes } from '../../src/kernels/layernorm.ts';
import { causalAttentionRef } from '../../src/reference/attention.ts';
import { layernormRef } from '../../src/reference/layernorm.ts';
import { expectClose } from './compare.ts';
import { emptyStorage, runPass, withBuffers } from './gpu.ts';
import { randomF32 } from './random.ts';

interface EncodedCall<S> {
  encode(pass: GPUComputePassEncoder, sizes: S): void;
  destroy(): void;
}

export interface LayerNormCase {
  rows: number;
  C: number;
  first_row: number;
  /** Added to every input: a large one breaks E[x^2] - E[x]^2 in f32. */
  offset: number;
}

/** Normalises rows of random input and compares with layernormRef; the row after is untouched. */
export async function checkLayerNorm(
  gpu: GpuContext,
  makeCall: (buffers: LayerNormBuffers) => EncodedCall<LayerNormSizes>,
  { rows, C, first_row, offset }: LayerNormCase,
  label: string,
): Promise<void> {
  const seed = rows * 7919 + C + first_row;
  const total = first_row + rows + 1; // a row after the ones read, which must be ignored
  const input = randomF32(total * C, seed, 2).map((v, i) => v + offset + (i % 3) * 0.25);
  const gamma = randomF32(C, seed + 1).map((v) => 1 + 0.5 * v);
  const beta = randomF32(C, seed + 2, 0.5);
  const sizes = { rows, C, first_row, eps: 1e-5 };
  const expected = layernormRef(input, gamma, beta, sizes);
  await withBuffers(
    gpu,
    () => ({
      input: gpu.createStorage('input', input),
      gamma: gpu.createStorage('gamma', gamma),
      beta: gpu.createStorage('beta', beta),
      out: emptyStorage(gpu, 'out', (rows + 1) * C),
    }),
    async (bufs) => {
      gpu.write(bufs.out, new Float32Array((rows + 1) * C).fill(-7));
      const { input: i, gamma: g, beta: b, out } = bufs;
      const call = makeCall({ input: i, gamma: g, beta: b, out });
      try {
        await runPass(gpu, (pass) => call.encode(pass, sizes));
      } finally {
        call.destroy();
      }
      const got = await gpu.readF32(bufs.out);
      expectClose(got.subarray(0, rows * C), expected, { atol: 2e-5, rtol: 2e-5, label });
      expect(got.subarray(rows * C).every((v) => v === -7)).toBe(true);
    },
  );
}

export interface AttentionCase {
  T: number;
  pos0: number;
  C: number;
  NH: number;
  /** Scale of q and k: large values make exp() overflow unless the max is subtracted. */
  scale?: number;
}

export interface PrefillAttentionBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  out: GPUBuffer;
}

/** Rows past the valid context hold NaN: a kernel that reads them (or their zeros) fails. */
export function cacheWithGarbage(valid: Float32Array, rows: number, C: number): Float32Array {
  const out = new Float32Array(rows * C).fill(NaN);
  out.set(valid);
  return out;
}

export function attentionCaseName(c: AttentionCase): string {
  const scale = c.scale ? ` |q|,|k| <= ${c.scale}` : '';
  return `T=${c.T} pos0=${c.pos0} HS=${c.C / c.NH} NH=${c.NH}${scale}`;
}

/** T query rows after pos0 cached ones, against the full-sequence causal reference. */
export async function checkPrefillAttention(
  gpu: GpuContext,
  makeCall: (buffers: PrefillAttentionBuffers) => EncodedCall<AttentionSizes>,
  c: AttentionCase,
  seed: number,
  label: string,
): Promise<void> {
  const { T, pos0, C, NH, scale = 1 } = c;
  const n = pos0 + T;
  const P = n + 3;
  const q = randomF32(n * C, seed, scale);
  const k = randomF32(n * C, seed + 1, scale);
  const v = randomF32(n * C, seed + 2);
  const want = causalAttentionRef(q, k, v, n, C, NH).out.subarray(pos0 * C);
  await withBuffers(
    gpu,
    () => ({
      q: gpu.createStorage('q_store', cacheWithGarbage(q, P, C)),
      k: gpu.createStorage('k_cache', cacheWithGarbage(k, P, C)),
      v: gpu.createStorage('v_cache', cacheWithGarbage(v, P, C)),
      out: emptyStorage(gpu, 'att', T * C),
    }),
    async (b) => {
      const call = makeCall({ q: b.q, k: b.k, v: b.v, out: b.out });
      try {
        await runPass(gpu, (pass) => call.encode(pass, { T, pos0, C, NH }));
      } finally {
        call.destroy();
      }
      const got = await gpu.readF32(b.out);
      expect(got.every(Number.isFinite), 'all outputs finite').toBe(true);
      expectClose(got, want, {
        label: `${label} T=${T} pos0=${pos0} C=${C} NH=${NH}`,
        atol: scale > 1 ? 2e-4 : 2e-6,
        rtol: 1e-5,
      });
    },
  );
}

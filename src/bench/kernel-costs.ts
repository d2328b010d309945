/**
 * The work each kernel must do, from the sizes it was dispatched with: the bytes it must
 * read and write (each input once: the floor a perfect kernel reaches, not what this one
 * happens to re-read) and its FLOPs. The roofline of a dispatch is
 * max(bytes / peak bandwidth, flops / peak FLOP/s).
 *
 * One entry per kernel, keyed by pipeline label (the name given to `gpu.pipeline`). A new
 * kernel adds its entry here; tests/unit/dispatch-structure.test.ts fails for any kernel a
 * model step dispatches without one.
 */
import type { DispatchRecord } from '../gpu/dispatch-recorder.ts';

export interface KernelCost {
  bytesRead: number;
  bytesWritten: number;
  flops: number;
  /** Bytes one invocation asks for in one global load (4 = scalar, 16 = vec4). */
  loadBytes: number;
}

type CostModel = (p: Record<string, number>, c: Record<string, number>) => KernelCost;

const F32 = 4;
/** Bytes per weight element: packed f16 pairs or f32 words. */
const w = (c: Record<string, number>) => (c.WEIGHTS_F16 ? 2 : 4);

const linear: CostModel = ({ T, K, N }, c) => ({
  bytesRead: T * K * F32 + K * N * w(c) + N * F32 + (c.ACCUMULATE ? T * N * F32 : 0),
  bytesWritten: T * N * F32,
  flops: 2 * T * K * N + (c.GELU ? 10 * T * N : 0),
  loadBytes: 4,
});

/**
 * matvec_v2 (decode, T = 1, weights row per output): W once, the input row as its prologue
 * forms it (plain, through a layernorm with gamma and beta, or the flash-decoding partials
 * combined), bias, the residual read when accumulating.
 */
const matvecV2: CostModel = ({ K, N, heads, splits }, c) => {
  const input = c.PROLOGUE === 1 ? 3 * K : c.PROLOGUE === 2 ? splits * K + 2 * heads * splits : K;
  const prologueFlops = c.PROLOGUE === 1 ? 8 * K : c.PROLOGUE === 2 ? 3 * splits * K : 0;
  return {
    bytesRead: input * F32 + N * K * w(c) + (c.BIAS ? N * F32 : 0) + (c.ACCUMULATE ? N * F32 : 0),
    bytesWritten: N * F32,
    flops: 2 * N * K + (c.GELU ? 10 * N : 0) + prologueFlops,
    loadBytes: 16,
  };
};

/** Keys a causal attention of T queries at pos0 scores: sum over t of pos0 + t + 1. */
export function attendedKeys(T: number, pos0: number): number {
  return T * pos0 + (T * (T + 1)) / 2;
}

export const KERNEL_COSTS: Record<string, CostModel> = {
  embedding: ({ T, C }, c) => ({
    bytesRead: T * F32 + 2 * T * C * w(c),
    bytesWritten: T * C * F32,
    flops: T * C,
    loadBytes: 4,
  }),
  layernorm: ({ rows, C }) => ({
    bytesRead: rows * C * F32 + 2 * C * F32,
    bytesWritten: rows * C * F32,
    flops: 8 * rows * C,
    loadBytes: 4,
  }),
  matvec: linear,
  matmul: linear,
  // Split K: each split writes its partial sums, and split_k_sum applies the epilogue.
  matmul_v2: ({ T, K, N, splits, gelu, accumulate }, c) => {
    const split = splits > 1;
    return {
      bytesRead:
        T * K * F32 + K * N * w(c) + (split ? 0 : N * F32 + (accumulate ? T * N * F32 : 0)),
      bytesWritten: (split ? splits : 1) * T * N * F32,
      flops: 2 * T * K * N + (!split && gelu ? 10 * T * N : 0),
      loadBytes: 16,
    };
  },
  split_k_sum: ({ T, N, splits }, c) => ({
    bytesRead: splits * T * N * F32 + N * F32 + (c.ACCUMULATE ? T * N * F32 : 0),
    bytesWritten: T * N * F32,
    flops: splits * T * N + (c.GELU ? 10 * T * N : 0),
    loadBytes: 16,
  }),
  kv_write: ({ T, C }) => ({
    bytesRead: T * 3 * C * F32,
    bytesWritten: T * 3 * C * F32,
    flops: 0,
    loadBytes: 4,
  }),
  // Each cached key and value row once (the floor for any tiling), the queries, the output.
  attention: ({ T, pos0, C, NH }) => ({
    bytesRead: T * C * F32 + 2 * (pos0 + T) * C * F32,
    bytesWritten: T * C * F32,
    flops: 4 * attendedKeys(T, pos0) * C + 5 * attendedKeys(T, pos0) * NH,
    loadBytes: 4,
  }),
  attention_v2: (p, c) => ({ ...KERNEL_COSTS.attention(p, c), loadBytes: 16 }),
  matvec_v2: matvecV2,
  'matvec_v2.subgroups': matvecV2,
  // One query against keys 0 .. pos: each cached key and value row once, partials out.
  attention_split: ({ pos, C, NH, splits }) => ({
    bytesRead: C * F32 + 2 * (pos + 1) * C * F32,
    bytesWritten: splits * (C + 2 * NH) * F32,
    flops: 4 * (pos + 1) * C + 5 * (pos + 1) * NH,
    loadBytes: 16,
  }),
  // Per chunk of 1024 logits: its 65 best (8 bytes each) and its normalisers (16 bytes).
  topk_lse: ({ V }) => ({
    bytesRead: V * F32,
    bytesWritten: Math.ceil(V / 1024) * (65 * 8 + 16),
    flops: 4 * V,
    loadBytes: 4,
  }),
  // With sample = 1 the merge also walks its 65 candidates (read back from its own output)
  // and writes the chosen id: sample's cost on top.
  topk_merge: ({ lists, sample }) => ({
    bytesRead: lists * (65 * 8 + 16) + (sample ? 65 * 8 : 0),
    bytesWritten: 65 * 8 + 16 + (sample ? 4 : 0),
    flops: 4 * lists + (sample ? SAMPLE_FLOPS : 0),
    loadBytes: 4,
  }),
  // The walk over the 65 candidates: a few passes of an exp and an add each.
  sample: () => ({ bytesRead: 65 * 8 + 16, bytesWritten: 4, flops: SAMPLE_FLOPS, loadBytes: 8 }),
  layernorm_v2: (p, c) => ({ ...KERNEL_COSTS.layernorm(p, c), loadBytes: 16 }),
  attention_probs: ({ n, C, NH }) => ({
    bytesRead: 2 * n * (C / NH) * F32,
    bytesWritten: n * n * F32,
    flops: attendedKeys(n, 0) * (2 * (C / NH) + 5),
    loadBytes: 4,
  }),
  logits: ({ C, V }, c) => ({
    bytesRead: C * F32 + V * C * w(c),
    bytesWritten: V * F32,
    flops: 2 * V * C,
    loadBytes: 4,
  }),
  topk: ({ n, pairs_in, keep_out }) => ({
    bytesRead: n * (pairs_in ? 8 : 4),
    bytesWritten: Math.ceil(n / 1024) * keep_out * 8,
    flops: 0,
    loadBytes: 4,
  }),
  logsumexp: ({ V }) => ({ bytesRead: V * F32, bytesWritten: 16, flops: 4 * V, loadBytes: 4 }),
  gelu: ({ n }) => ({ bytesRead: n * F32, bytesWritten: n * F32, flops: 10 * n, loadBytes: 4 }),
  add: ({ n }) => ({ bytesRead: 2 * n * F32, bytesWritten: n * F32, flops: n, loadBytes: 4 }),
  softmax: ({ rows, n }) => ({
    bytesRead: rows * n * F32,
    bytesWritten: rows * n * F32,
    flops: 5 * rows * n,
    loadBytes: 4,
  }),
};

/** At most four passes (top-p mass, reach, norm, draw) of an exp and a few ops per candidate. */
const SAMPLE_FLOPS = 4 * 65 * 4;

export class MissingCostError extends Error {
  override name = 'MissingCostError';
}

/** The cost of one recorded dispatch. */
export function dispatchCost(r: DispatchRecord): KernelCost {
  const model = KERNEL_COSTS[r.kernel];
  if (!model) {
    throw new MissingCostError(
      `no cost model for kernel "${r.kernel}" (${r.label}): add one to src/bench/kernel-costs.ts`,
    );
  }
  return model(r.params, r.constants);
}

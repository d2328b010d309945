import type { Gpt2Config } from './config.ts';

/**
 * How matrices and embeddings live on the GPU: f32 bit patterns, or packed f16 pairs
 * (element i in u32 word i >> 1, low half when i is even; see half.ts). Biases and
 * layernorm parameters are f32 either way.
 */
export type WeightStorage = 'f32' | 'f16';

/**
 * How the Conv1D weights (c_attn, c_proj, c_fc, mlp.c_proj) are held: as GPT-2 stores them,
 * [in, out] = [K, N] ('conv1d', what the v1 decode matvec reads), or transposed once at load
 * to [out, in] = [N, K] ('row-per-output': one output's inputs contiguous, what the v2
 * decode kernels read in 16-byte loads). Prefill reads either. One copy in memory either way.
 */
export type WeightLayout = 'conv1d' | 'row-per-output';

/**
 * A Conv1D layer. weight (storage) [in, out] as GPT-2 stores it, or [out, in] when the
 * weights' layout is 'row-per-output'; bias f32 [out].
 */
export interface LinearWeights {
  weight: GPUBuffer;
  bias: GPUBuffer;
}

/** f32 [C] each. */
export interface LayerNormWeights {
  gamma: GPUBuffer;
  beta: GPUBuffer;
}

export interface BlockWeights {
  ln1: LayerNormWeights;
  /** attn.c_attn: [C, 3C] (conv1d layout), output columns q | k | v */
  attn: LinearWeights;
  /** attn.c_proj: [C, C] */
  attnProj: LinearWeights;
  ln2: LayerNormWeights;
  /** mlp.c_fc: [C, nInner] */
  fc: LinearWeights;
  /** mlp.c_proj: [nInner, C] */
  fcProj: LinearWeights;
}

export interface Gpt2Weights {
  config: Gpt2Config;
  storage: WeightStorage;
  /** The Conv1D weights' layout (the embeddings are [rows, C] either way). */
  layout: WeightLayout;
  /** [V, C], also the tied LM head */
  wte: GPUBuffer;
  /** [P, C] */
  wpe: GPUBuffer;
  lnF: LayerNormWeights;
  blocks: BlockWeights[];
  /** Bytes of every GPU buffer held here (as allocated, padded to 4). */
  gpuBytes: number;
  /** Frees every buffer; the weights must not be used afterwards. */
  destroy(): void;
}

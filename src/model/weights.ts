import type { Gpt2Config } from './config.ts';

/**
 * How matrices and embeddings live on the GPU: f32 bit patterns, or packed f16 pairs
 * (element i in u32 word i >> 1, low half when i is even; see half.ts). Biases and
 * layernorm parameters are f32 either way.
 */
export type WeightStorage = 'f32' | 'f16';

/** A Conv1D layer as GPT-2 stores it. weight [in, out] (storage), bias f32 [out]. */
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
  /** attn.c_attn: [C, 3C], output columns q | k | v */
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

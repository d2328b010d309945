import type { Gpt2Config } from '../../src/model/config.ts';
import { roundToF16 } from '../../src/model/half.ts';
import { memoryModelFiles } from '../../src/model/memory-files.ts';
import type { ModelFiles } from '../../src/model/model-files.ts';
import {
  makeRandomCheckpoint,
  randomTensorValues,
  type RandomCheckpointOptions,
} from '../../src/model/random-checkpoint.ts';
import type { Gpt2RefWeights } from '../../src/reference/gpt2.ts';

/** A small random GPT-2 checkpoint: its files (in memory) and its weights for the CPU reference. */
export function randomModel(
  config: Partial<Gpt2Config>,
  options: RandomCheckpointOptions & { roundToF16?: boolean } = {},
): { files: ModelFiles; config: Gpt2Config; ref: Gpt2RefWeights } {
  const ckpt = makeRandomCheckpoint({ ...options, config });
  const files = memoryModelFiles(
    { 'config.json': ckpt.configJson, 'model.safetensors': ckpt.safetensors },
    'random test checkpoint',
    4093,
  );
  const p = options.prefix ? 'transformer.' : '';
  const raw = (name: string) => randomTensorValues(ckpt.layout, p + name);
  // Matrices and embeddings are what f16 storage rounds; biases and norms stay f32.
  const m = (name: string) => (options.roundToF16 ? roundToF16(raw(name)) : raw(name));
  const cfg = ckpt.config;
  const ref: Gpt2RefWeights = {
    wte: m('wte.weight'),
    wpe: m('wpe.weight'),
    lnFg: raw('ln_f.weight'),
    lnFb: raw('ln_f.bias'),
    blocks: Array.from({ length: cfg.nLayer }, (_, l) => ({
      ln1g: raw(`h.${l}.ln_1.weight`),
      ln1b: raw(`h.${l}.ln_1.bias`),
      attnW: m(`h.${l}.attn.c_attn.weight`),
      attnB: raw(`h.${l}.attn.c_attn.bias`),
      projW: m(`h.${l}.attn.c_proj.weight`),
      projB: raw(`h.${l}.attn.c_proj.bias`),
      ln2g: raw(`h.${l}.ln_2.weight`),
      ln2b: raw(`h.${l}.ln_2.bias`),
      fcW: m(`h.${l}.mlp.c_fc.weight`),
      fcB: raw(`h.${l}.mlp.c_fc.bias`),
      fc2W: m(`h.${l}.mlp.c_proj.weight`),
      fc2B: raw(`h.${l}.mlp.c_proj.bias`),
    })),
  };
  return { files, config: cfg, ref };
}

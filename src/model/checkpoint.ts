/**
 * Which safetensors tensors make a GPT-2, and their shapes for a given config. Names are
 * those of transformers' GPT2Model, with or without the `transformer.` prefix that
 * GPT2LMHeadModel adds. Linear layers are Conv1D: weight stored [in, out], so x @ W
 * needs no transpose (nanoGPT transposes them on import because it uses nn.Linear).
 */
import type { Gpt2Config } from './config.ts';
import { WeightsFormatError } from './errors.ts';
import { excerpt } from './excerpt.ts';
import type { SafetensorsHeader, TensorInfo } from './safetensors.ts';

/**
 * `matrix`: matrices and embeddings, kept in the chosen weight storage (f32 or packed f16).
 * `vector`: biases and layernorm parameters, always f32.
 */
export type Gpt2TensorKind = 'matrix' | 'vector';

export interface Gpt2TensorSpec {
  /** Name without prefix, e.g. `h.3.attn.c_attn.weight`; also the GPU buffer label. */
  key: string;
  shape: number[];
  kind: Gpt2TensorKind;
  /**
   * A Conv1D weight, [in, out] in the file: transposed at load when the weights are held
   * row per output (see WeightLayout).
   */
  conv1d?: boolean;
}

export interface MappedTensor extends Gpt2TensorSpec {
  /** Where it is in the file (`info.name` is the name as stored, prefix included). */
  info: TensorInfo;
}

export interface Gpt2Checkpoint {
  /** '' or 'transformer.' */
  prefix: string;
  /** Every tensor the engine needs, in `gpt2TensorSpecs` order. */
  tensors: MappedTensor[];
  /** Tensors known to be unneeded: causal masks, the tied LM head. */
  ignored: string[];
  /**
   * Tensors this engine does not know, said in one message however many there are (a file
   * may list thousands); the load goes on without them.
   */
  warnings: string[];
}

/** Every tensor of a GPT-2 with config `c`, with its expected shape: wte, wpe, h.0..L-1, ln_f. */
export function gpt2TensorSpecs(c: Gpt2Config): Gpt2TensorSpec[] {
  const C = c.nEmbd;
  const specs: Gpt2TensorSpec[] = [
    { key: 'wte.weight', shape: [c.vocabSize, C], kind: 'matrix' },
    { key: 'wpe.weight', shape: [c.nPositions, C], kind: 'matrix' },
  ];
  const linear = (name: string, nIn: number, nOut: number) => {
    specs.push({ key: `${name}.weight`, shape: [nIn, nOut], kind: 'matrix', conv1d: true });
    specs.push({ key: `${name}.bias`, shape: [nOut], kind: 'vector' });
  };
  const layerNorm = (name: string) => {
    specs.push({ key: `${name}.weight`, shape: [C], kind: 'vector' });
    specs.push({ key: `${name}.bias`, shape: [C], kind: 'vector' });
  };
  for (let i = 0; i < c.nLayer; i++) {
    layerNorm(`h.${i}.ln_1`);
    linear(`h.${i}.attn.c_attn`, C, 3 * C);
    linear(`h.${i}.attn.c_proj`, C, C);
    layerNorm(`h.${i}.ln_2`);
    linear(`h.${i}.mlp.c_fc`, C, c.nInner);
    linear(`h.${i}.mlp.c_proj`, c.nInner, C);
  }
  layerNorm('ln_f');
  return specs;
}

// Causal-mask buffers older transformers saved, and the LM head, which GPT-2 ties to wte.
const IGNORED = /^(transformer\.)?(h\.\d+\.attn\.(bias|masked_bias)|lm_head\.weight)$/;

/** Finds every GPT-2 tensor in `header` and checks its shape against `config`. */
export function mapGpt2Checkpoint(header: SafetensorsHeader, config: Gpt2Config): Gpt2Checkpoint {
  const names = header.tensors;
  const prefix = names.has('transformer.wte.weight')
    ? 'transformer.'
    : names.has('wte.weight')
      ? ''
      : null;
  if (prefix === null) {
    const some = [...names.keys()]
      .slice(0, 5)
      .map((n) => excerpt(n))
      .join(', ');
    throw new WeightsFormatError(
      'model.safetensors has no wte.weight (nor transformer.wte.weight): it is not a GPT-2 ' +
        `checkpoint. Its first tensors are: ${some || '(none)'}.`,
    );
  }

  const tensors: MappedTensor[] = [];
  const used = new Set<string>();
  for (const spec of gpt2TensorSpecs(config)) {
    const name = prefix + spec.key;
    const info = names.get(name);
    if (!info) {
      throw new WeightsFormatError(
        `model.safetensors has no tensor "${name}", which a GPT-2 with ${config.nLayer} layers ` +
          'needs. The file is incomplete or does not belong to this config.json.',
      );
    }
    if (!sameShape(info.shape, spec.shape)) {
      const transposed =
        spec.shape.length === 2 && sameShape(info.shape, [spec.shape[1], spec.shape[0]]);
      throw new WeightsFormatError(
        `model.safetensors: tensor "${name}" has shape [${info.shape.join(', ')}], but ` +
          `config.json implies [${spec.shape.join(', ')}]. ` +
          (transposed
            ? "It looks transposed (nn.Linear's [out, in]); GPT-2 checkpoints store Conv1D " +
              'weights as [in, out].'
            : 'The weights and config.json come from different models.'),
      );
    }
    used.add(name);
    tensors.push({ ...spec, info });
  }

  const ignored: string[] = [];
  const unknown: string[] = [];
  for (const name of names.keys()) {
    if (used.has(name)) continue;
    if (IGNORED.test(name)) ignored.push(name);
    else unknown.push(name);
  }
  return { prefix, tensors, ignored, warnings: unknownTensorsWarning(unknown) };
}

function unknownTensorsWarning(names: string[]): string[] {
  if (names.length === 0) return [];
  if (names.length === 1) {
    return [`model.safetensors: ignoring tensor ${excerpt(names[0])}, which GPT-2 does not use.`];
  }
  const shown = names.slice(0, 3).map((n) => excerpt(n));
  const more = names.length > 3 ? ` and ${names.length - 3} more` : '';
  return [
    `model.safetensors: ignoring ${names.length} tensors GPT-2 does not use: ` +
      `${shown.join(', ')}${more}.`,
  ];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

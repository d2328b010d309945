import { ATTENTION_MAX_HS } from '../kernels/attention-limits.ts';
import { ConfigError } from './errors.ts';
import { excerpt } from './excerpt.ts';

/** The shape of a GPT-2 model, read from a hub config.json. */
export interface Gpt2Config {
  /** L */
  nLayer: number;
  /** NH */
  nHead: number;
  /** C */
  nEmbd: number;
  /** P: context length, rows of wpe */
  nPositions: number;
  /** V */
  vocabSize: number;
  layerNormEpsilon: number;
  /** Width of the MLP's hidden layer (4 C in every released GPT-2). */
  nInner: number;
}

/**
 * The released GPT-2 sizes (plus `tiny` for tests), as data for the random checkpoint
 * generator and the benchmark. Shapes only: the weights are on the hub.
 */
export const GPT2_PRESETS = {
  tiny: preset(2, 2, 64, 128),
  distilgpt2: preset(6, 12, 768, 1024),
  gpt2: preset(12, 12, 768, 1024),
  'gpt2-medium': preset(24, 16, 1024, 1024),
  'gpt2-large': preset(36, 20, 1280, 1024),
  'gpt2-xl': preset(48, 25, 1600, 1024),
} as const satisfies Record<string, Gpt2Config>;

export type Gpt2PresetName = keyof typeof GPT2_PRESETS;

export function isGpt2PresetName(name: string): name is Gpt2PresetName {
  return Object.hasOwn(GPT2_PRESETS, name);
}

function preset(nLayer: number, nHead: number, nEmbd: number, nPositions: number): Gpt2Config {
  return {
    nLayer,
    nHead,
    nEmbd,
    nPositions,
    vocabSize: 50257,
    layerNormEpsilon: 1e-5,
    nInner: 4 * nEmbd,
  };
}

/**
 * Upper bounds on each size. They sit well above gpt2-xl (48 layers, C 1600, 1.5 B
 * parameters) but keep a hostile or corrupt config from asking for terabytes before a
 * single weight has been read.
 */
export const GPT2_CONFIG_LIMITS = {
  nLayer: 256,
  nHead: 256,
  nEmbd: 16384,
  nPositions: 65536,
  vocabSize: 1 << 20,
  nInner: 65536,
  /** gpt2-xl has 1.56 B; at f32 this cap is 16 GB, beyond any browser's GPU budget. */
  parameters: 4e9,
} as const;

/** Number of parameters (tied LM head counted once), as the hub model cards count them. */
export function gpt2ParameterCount(c: Gpt2Config): number {
  const C = c.nEmbd;
  const perLayer =
    4 * C + // ln_1, ln_2
    C * 3 * C +
    3 * C + // c_attn
    C * C +
    C + // attn.c_proj
    C * c.nInner +
    c.nInner + // mlp.c_fc
    c.nInner * C +
    C; // mlp.c_proj
  return c.vocabSize * C + c.nPositions * C + c.nLayer * perLayer + 2 * C;
}

/**
 * Reads a hub GPT-2 config.json (already JSON-parsed). Accepts the fields transformers'
 * GPT2Config writes; refuses other architectures and the GPT-2 options this engine does
 * not implement rather than running them wrongly.
 */
export function parseGpt2Config(json: unknown): Gpt2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(
      `config.json must be a JSON object, found ${describe(json)}. ` +
        'Point the loader at a GPT-2 checkpoint folder (config.json + model.safetensors).',
    );
  }
  const o = json as Record<string, unknown>;

  if (o.model_type !== undefined && o.model_type !== 'gpt2') {
    throw new ConfigError(
      `config.json describes a ${quoted(o.model_type)} model, not GPT-2 (model_type must be ` +
        '"gpt2"). This engine only runs GPT-2 checkpoints such as openai-community/gpt2 or distilgpt2.',
    );
  }

  const nLayer = sizeField(o, 'n_layer', GPT2_CONFIG_LIMITS.nLayer);
  const nHead = sizeField(o, 'n_head', GPT2_CONFIG_LIMITS.nHead);
  const nEmbd = sizeField(o, 'n_embd', GPT2_CONFIG_LIMITS.nEmbd);
  const vocabSize = sizeField(o, 'vocab_size', GPT2_CONFIG_LIMITS.vocabSize);
  // Old configs carry only n_ctx; when both exist transformers sizes wpe by n_positions.
  const nPositions =
    o.n_positions !== undefined
      ? sizeField(o, 'n_positions', GPT2_CONFIG_LIMITS.nPositions)
      : o.n_ctx !== undefined
        ? sizeField(o, 'n_ctx', GPT2_CONFIG_LIMITS.nPositions)
        : missing('n_positions (or n_ctx)');
  const nInner =
    o.n_inner === undefined || o.n_inner === null
      ? 4 * nEmbd
      : sizeField(o, 'n_inner', GPT2_CONFIG_LIMITS.nInner);

  let layerNormEpsilon = 1e-5;
  if (o.layer_norm_epsilon !== undefined) {
    const eps = o.layer_norm_epsilon;
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0 || eps >= 1) {
      throw new ConfigError(
        `config.json: layer_norm_epsilon must be a number in (0, 1), found ${describe(eps)}.`,
      );
    }
    layerNormEpsilon = eps;
  }

  if (nEmbd % nHead !== 0) {
    throw new ConfigError(
      `config.json: n_embd (${nEmbd}) is not divisible by n_head (${nHead}), so heads cannot ` +
        'split the channels evenly. The config is corrupt or not GPT-2.',
    );
  }

  if (nEmbd / nHead > ATTENTION_MAX_HS) {
    throw new ConfigError(
      `config.json: heads of ${nEmbd / nHead} channels (n_embd ${nEmbd} / n_head ${nHead}) are ` +
        `larger than the ${ATTENTION_MAX_HS} this engine's attention kernel serves; every GPT-2 ` +
        'size has 64.',
    );
  }

  // gelu_pytorch_tanh is the same tanh approximation under another name.
  const act = o.activation_function;
  if (act !== undefined && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new ConfigError(
      `config.json: activation_function ${quoted(act)} is not supported; this engine ` +
        'implements GPT-2\'s tanh GELU ("gelu_new") only.',
    );
  }
  unsupportedFlag(o, 'scale_attn_by_inverse_layer_idx', true);
  unsupportedFlag(o, 'reorder_and_upcast_attn', true);
  unsupportedFlag(o, 'add_cross_attention', true);
  unsupportedFlag(o, 'scale_attn_weights', false);

  const config: Gpt2Config = {
    nLayer,
    nHead,
    nEmbd,
    nPositions,
    vocabSize,
    layerNormEpsilon,
    nInner,
  };
  const params = gpt2ParameterCount(config);
  if (params > GPT2_CONFIG_LIMITS.parameters) {
    throw new ConfigError(
      `config.json asks for ${(params / 1e9).toFixed(1)} B parameters, above this engine's ` +
        `limit of ${GPT2_CONFIG_LIMITS.parameters / 1e9} B (gpt2-xl has 1.6 B). ` +
        'The config is corrupt or the model is far too large for a browser.',
    );
  }
  return config;
}

/** The config.json transformers would write for `c` (what the hub serves). */
export function gpt2ConfigJson(c: Gpt2Config): Record<string, unknown> {
  const eos = Math.min(50256, c.vocabSize - 1);
  return {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.1,
    bos_token_id: eos,
    embd_pdrop: 0.1,
    eos_token_id: eos,
    initializer_range: 0.02,
    layer_norm_epsilon: c.layerNormEpsilon,
    model_type: 'gpt2',
    n_ctx: c.nPositions,
    n_embd: c.nEmbd,
    n_head: c.nHead,
    n_inner: c.nInner === 4 * c.nEmbd ? null : c.nInner,
    n_layer: c.nLayer,
    n_positions: c.nPositions,
    resid_pdrop: 0.1,
    vocab_size: c.vocabSize,
  };
}

function sizeField(o: Record<string, unknown>, key: string, max: number): number {
  const v = o[key];
  if (v === undefined || v === null) missing(key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ConfigError(`config.json: ${key} must be a positive integer, found ${describe(v)}.`);
  }
  if (v > max) {
    throw new ConfigError(
      `config.json: ${key} = ${v} is above the limit of ${max}. The config is corrupt or ` +
        'describes a model far larger than any GPT-2.',
    );
  }
  return v;
}

function missing(key: string): never {
  throw new ConfigError(
    `config.json has no ${key}. It is not a GPT-2 config, or it is incomplete: use the ` +
      'config.json published with the checkpoint.',
  );
}

/**
 * A boolean switch of transformers' GPT2Config that this engine supports only at its
 * default. Python reads any truthy value (1, "yes") as on, so anything but a JSON boolean is
 * refused rather than guessed at.
 */
function unsupportedFlag(o: Record<string, unknown>, key: string, bad: boolean): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'boolean') {
    throw new ConfigError(
      `config.json: ${key} must be true or false, found ${describe(v)}. Fix the config ` +
        `(a standard GPT-2 has ${key}: ${!bad}).`,
    );
  }
  if (v === bad) {
    throw new ConfigError(
      `config.json sets ${key} to ${bad}, a GPT-2 variant this engine does not implement ` +
        '(its attention would compute something else). Use a standard GPT-2 checkpoint.',
    );
  }
}

/** A string as a short quoted excerpt, anything else described. */
function quoted(v: unknown): string {
  return typeof v === 'string' ? excerpt(v, 40) : describe(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

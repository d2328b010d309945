/**
 * Deterministic random GPT-2 checkpoints in the hub's format (config.json +
 * model.safetensors), for tests and benchmarks where real weights are unavailable or too
 * slow. Values depend only on (seed, tensor name), so a test can regenerate any one tensor
 * to compare with what was loaded, and a checkpoint the size of GPT-2 small is produced
 * tensor by tensor, a few MB at a time.
 *
 * Distributions: matrices, embeddings and biases ~ N(0, scale); layernorm gamma ~
 * 1 + N(0, 0.1) and beta ~ N(0, 0.1), near the identity but not exactly, so a kernel that
 * drops or swaps gamma and beta gives visibly wrong results. The default scale 0.2 suits
 * small models (C = 64: logits spread ~ scale * sqrt(C) = 1.6, so greedy decoding has
 * clear winners instead of near-ties); 0.1 .. 0.5 all work for tiny models. Transformers'
 * own init (0.02) makes tiny models' logits nearly uniform: avoid it here.
 */
import {
  GPT2_PRESETS,
  gpt2ConfigJson,
  parseGpt2Config,
  type Gpt2Config,
  type Gpt2PresetName,
} from './config.ts';
import { gpt2TensorSpecs } from './checkpoint.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from './half.ts';
import { DTYPE_BYTES, type SafetensorsDtype, type TensorInfo } from './safetensors.ts';

export interface RandomCheckpointOptions {
  /** Base shape (default `tiny`); `config` fields override it. */
  preset?: Gpt2PresetName;
  config?: Partial<Gpt2Config>;
  /** File dtype of every tensor (default F32). */
  dtype?: SafetensorsDtype;
  /** Name tensors `transformer.*` as GPT2LMHeadModel saves them (default false). */
  prefix?: boolean;
  /** Add the `h.{i}.attn.bias` causal masks older transformers saved (default false). */
  includeAttnBias?: boolean;
  /** Add an `lm_head.weight` equal to wte (tied), as some exports do (default false). */
  includeLmHead?: boolean;
  /** Default 1. */
  seed?: number;
  /** Standard deviation of matrices, embeddings and biases (default 0.2, see above). */
  scale?: number;
  /** Store tensors in the data section in a seeded random order instead of by name. */
  shuffle?: boolean;
  /** Unused bytes before each tensor's data (default 0), as some writers leave. */
  gapBytes?: number;
}

/** Everything about a random checkpoint except its tensor data. */
export interface RandomCheckpointLayout {
  config: Gpt2Config;
  configJson: string;
  /** The file's first bytes: u64 length + JSON header, padded to 8 bytes. */
  header: Uint8Array;
  /** Size of model.safetensors. */
  size: number;
  /** In data-section order. */
  tensors: TensorInfo[];
  dtype: SafetensorsDtype;
  seed: number;
  scale: number;
  gapBytes: number;
}

const GAP_FILL = 0xa5;
const CHUNK_ELEMENTS = 1 << 20;

export function randomCheckpointLayout(opts: RandomCheckpointOptions = {}): RandomCheckpointLayout {
  const base = GPT2_PRESETS[opts.preset ?? 'tiny'];
  const merged: Gpt2Config = { ...base, ...opts.config };
  if (opts.config?.nEmbd !== undefined && opts.config.nInner === undefined) {
    merged.nInner = 4 * merged.nEmbd;
  }
  const configObject = {
    ...gpt2ConfigJson(merged),
    random_checkpoint: {
      seed: opts.seed ?? 1,
      scale: opts.scale ?? 0.2,
      dtype: opts.dtype ?? 'F32',
    },
  };
  // Same validation as loading, so the generator never writes a config the loader refuses.
  const config = parseGpt2Config(configObject);
  const dtype = opts.dtype ?? 'F32';
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 0.2;
  const gapBytes = opts.gapBytes ?? 0;
  const prefix = opts.prefix ? 'transformer.' : '';

  const entries: { name: string; shape: number[] }[] = gpt2TensorSpecs(config).map((s) => ({
    name: prefix + s.key,
    shape: s.shape,
  }));
  const P = config.nPositions;
  if (opts.includeAttnBias) {
    for (let i = 0; i < config.nLayer; i++) {
      entries.push({ name: `${prefix}h.${i}.attn.bias`, shape: [1, 1, P, P] });
    }
  }
  if (opts.includeLmHead) {
    entries.push({ name: 'lm_head.weight', shape: [config.vocabSize, config.nEmbd] });
  }
  // The hub's files list tensors by name; safetensors writers order the data the same way.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const order = opts.shuffle ? shuffled(entries, seed) : entries;

  const tensors: TensorInfo[] = [];
  let offset = 0;
  for (const e of order) {
    offset += gapBytes;
    const elements = e.shape.reduce((a, b) => a * b, 1);
    const bytes = elements * DTYPE_BYTES[dtype];
    tensors.push({
      name: e.name,
      dtype,
      shape: e.shape,
      elements,
      begin: offset,
      end: offset + bytes,
    });
    offset += bytes;
  }

  const byName = new Map(tensors.map((t) => [t.name, t]));
  const json: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const e of entries) {
    const t = byName.get(e.name);
    if (t) json[t.name] = { dtype, shape: t.shape, data_offsets: [t.begin, t.end] };
  }
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const header = new Uint8Array(8 + text.length);
  new DataView(header.buffer).setUint32(0, text.length, true);
  header.set(new TextEncoder().encode(text), 8);

  return {
    config,
    configJson: JSON.stringify(configObject, null, 2),
    header,
    size: header.length + offset,
    tensors,
    dtype,
    seed,
    scale,
    gapBytes,
  };
}

/** A whole checkpoint in memory. For GPT-2-small shapes prefer `writeRandomCheckpoint`. */
export function makeRandomCheckpoint(opts: RandomCheckpointOptions = {}): {
  config: Gpt2Config;
  configJson: string;
  safetensors: Uint8Array;
  layout: RandomCheckpointLayout;
} {
  const layout = randomCheckpointLayout(opts);
  const file = new Uint8Array(layout.size).fill(GAP_FILL);
  file.set(layout.header, 0);
  for (const t of layout.tensors) {
    let at = layout.header.length + t.begin;
    for (const chunk of randomTensorBytes(layout, t)) {
      file.set(chunk, at);
      at += chunk.length;
    }
  }
  return { config: layout.config, configJson: layout.configJson, safetensors: file, layout };
}

/** Chunks in file order making the whole model.safetensors, for writing it without a full copy. */
export function* randomCheckpointChunks(layout: RandomCheckpointLayout): Generator<Uint8Array> {
  yield layout.header;
  const gap = new Uint8Array(layout.gapBytes).fill(GAP_FILL);
  for (const t of layout.tensors) {
    if (gap.length) yield gap;
    yield* randomTensorBytes(layout, t);
  }
}

/** One tensor's file bytes, a few MB at a time. */
export function* randomTensorBytes(
  layout: RandomCheckpointLayout,
  tensor: TensorInfo,
): Generator<Uint8Array> {
  for (const values of randomValueChunks(layout, tensor.name)) {
    yield encode(values, tensor.dtype);
  }
}

/**
 * The values of tensor `name` (file name, prefix included) as stored in the file, i.e.
 * already rounded to the file's dtype: what a loader must reproduce.
 */
export function randomTensorValues(layout: RandomCheckpointLayout, name: string): Float32Array {
  const t = layout.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`random checkpoint has no tensor "${name}"`);
  const out = new Float32Array(t.elements);
  let at = 0;
  for (const values of randomValueChunks(layout, name)) {
    out.set(roundToDtype(values, t.dtype), at);
    at += values.length;
  }
  return out;
}

function* randomValueChunks(layout: RandomCheckpointLayout, name: string): Generator<Float32Array> {
  const t = layout.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`random checkpoint has no tensor "${name}"`);
  // Values do not depend on the prefix, so prefixed and plain files hold the same model.
  const key = name.replace(/^transformer\./, '');
  const n = t.elements;

  if (/^h\.\d+\.attn\.bias$/.test(key)) {
    const P = t.shape[3];
    for (let start = 0; start < n; start += CHUNK_ELEMENTS) {
      const chunk = new Float32Array(Math.min(CHUNK_ELEMENTS, n - start));
      for (let i = 0; i < chunk.length; i++) {
        const flat = start + i;
        chunk[i] = flat % P <= Math.floor(flat / P) % P ? 1 : 0;
      }
      yield chunk;
    }
    return;
  }

  const isLayerNorm = /(^|\.)ln_(\d|f)\./.test(key);
  const mean = isLayerNorm && key.endsWith('.weight') ? 1 : 0;
  const std = isLayerNorm ? 0.1 : layout.scale;
  // The tied head must equal wte exactly.
  const normal = gaussian(layout.seed, key === 'lm_head.weight' ? 'wte.weight' : key);
  for (let start = 0; start < n; start += CHUNK_ELEMENTS) {
    const chunk = new Float32Array(Math.min(CHUNK_ELEMENTS, n - start));
    for (let i = 0; i < chunk.length; i++) chunk[i] = mean + std * normal();
    yield chunk;
  }
}

function encode(values: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  if (dtype === 'F32') {
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  const out = new Uint16Array(values.length);
  if (dtype === 'F16') {
    for (let i = 0; i < values.length; i++) out[i] = f32ToF16Bits(values[i]);
  } else {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < values.length; i++) out[i] = f32ToBf16Bits(bits[i]);
  }
  return new Uint8Array(out.buffer);
}

function roundToDtype(values: Float32Array, dtype: SafetensorsDtype): Float32Array {
  if (dtype === 'F32') return values;
  const out = new Float32Array(values.length);
  if (dtype === 'F16') {
    for (let i = 0; i < values.length; i++) out[i] = f16BitsToF32(f32ToF16Bits(values[i]));
  } else {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < values.length; i++) out[i] = bf16BitsToF32(f32ToBf16Bits(bits[i]));
  }
  return out;
}

/** bfloat16 of an f32 bit pattern, rounded to nearest even (as torch does). Finite inputs only. */
function f32ToBf16Bits(x: number): number {
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Standard normal samples (Box-Muller over mulberry32), seeded by (seed, name). */
function gaussian(seed: number, name: string): () => number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  let state = h >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const a = 2 * Math.PI * uniform();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = (seed * 2654435761) >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

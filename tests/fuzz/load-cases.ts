/**
 * Whole loads on the GPU under fuzzing: a small random checkpoint, then flipped bytes
 * anywhere, a stream cut short, a declared size that lies, or a config edit. Each load
 * must end in a typed error that leaves no GPU buffer behind, or put on the GPU exactly the
 * values the oracle decodes from the file.
 */
import fc from 'fast-check';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { gpt2TensorSpecs } from '../../src/model/checkpoint.ts';
import { parseGpt2Config, type Gpt2Config } from '../../src/model/config.ts';
import { ConfigError, ModelTooLargeError, WeightsFormatError } from '../../src/model/errors.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from '../../src/model/half.ts';
import { loadGpt2Weights, MAX_CONFIG_BYTES } from '../../src/model/load-weights.ts';
import type { ModelFiles } from '../../src/model/model-files.ts';
import { makeRandomCheckpoint } from '../../src/model/random-checkpoint.ts';
import type { Gpt2Weights, WeightStorage } from '../../src/model/weights.ts';
import { MAX_MESSAGE } from './header-cases.ts';
import { oracleRead } from './safetensors-oracle.ts';

export interface LoadCase {
  configText: string;
  file: Uint8Array;
  /** Bytes the stream delivers (may be fewer or more than `declared`). */
  delivered: number;
  declared: number;
  storage: WeightStorage;
  chunk: number;
}

const SHAPE: Partial<Gpt2Config> = { nLayer: 1, nHead: 2, nEmbd: 6, nPositions: 3, vocabSize: 7 };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('none' as const) }),
  fc.record({
    kind: fc.constant('flip' as const),
    edits: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('lie' as const), delta: fc.integer({ min: -64, max: 2 ** 31 }) }),
  fc.record({
    kind: fc.constant('config' as const),
    key: fc.constantFrom('n_layer', 'n_embd', 'n_head', 'vocab_size', 'n_positions', 'n_inner'),
    value: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(null, '6', 6.5, 1e9)),
  }),
);

export const loadCases: fc.Arbitrary<LoadCase> = fc
  .record({
    dtype: fc.constantFrom('F32', 'F16', 'BF16') as fc.Arbitrary<'F32' | 'F16' | 'BF16'>,
    storage: fc.constantFrom('f32', 'f16') as fc.Arbitrary<WeightStorage>,
    prefix: fc.boolean(),
    shuffle: fc.boolean(),
    attnBias: fc.boolean(),
    gapBytes: fc.nat(6),
    seed: fc.nat(1000),
    chunk: fc.constantFrom(1, 7, 64, 4096),
    mutations: fc.array(mutation, { maxLength: 2 }),
  })
  .map((c) => {
    const ckpt = makeRandomCheckpoint({
      config: SHAPE,
      dtype: c.dtype,
      prefix: c.prefix,
      shuffle: c.shuffle,
      includeAttnBias: c.attnBias,
      gapBytes: c.gapBytes,
      seed: c.seed,
      scale: 0.5,
    });
    const file = ckpt.safetensors.slice();
    let delivered = file.length;
    let declared = file.length;
    let config = JSON.parse(ckpt.configJson) as Record<string, unknown>;
    for (const m of c.mutations) {
      if (m.kind === 'flip') for (const [p, b] of m.edits) file[p % file.length] = b;
      else if (m.kind === 'cut') delivered = m.at % (file.length + 1);
      else if (m.kind === 'lie') declared = Math.max(0, declared + m.delta);
      else if (m.kind === 'config') config = { ...config, [m.key]: m.value };
    }
    return {
      configText: JSON.stringify(config),
      file,
      delivered,
      declared,
      storage: c.storage,
      chunk: c.chunk,
    };
  });

type OracleLoad = { ok: true; values: Map<string, Float32Array> } | { ok: false; why: string };

/** What a correct loader makes of `c`, decided from the bytes alone. */
export function oracleLoad(c: LoadCase): OracleLoad {
  const no = (why: string): OracleLoad => ({ ok: false, why });
  let config: Gpt2Config;
  try {
    if (c.configText.length > MAX_CONFIG_BYTES) return no('config too large');
    config = parseGpt2Config(JSON.parse(c.configText)); // fuzzed against its own oracle
  } catch {
    return no('config');
  }
  if (c.delivered !== c.declared) return no('stream length differs from the declared size');
  const bytes = c.file.subarray(0, c.delivered);
  const header = oracleRead(bytes, c.declared);
  if (!header.ok) return no(`header: ${header.why}`);
  const prefix = header.tensors.has('transformer.wte.weight')
    ? 'transformer.'
    : header.tensors.has('wte.weight')
      ? ''
      : null;
  if (prefix === null) return no('no wte');
  const values = new Map<string, Float32Array>();
  for (const spec of gpt2TensorSpecs(config)) {
    const t = header.tensors.get(prefix + spec.key);
    if (!t || t.shape.join() !== spec.shape.join()) return no(`tensor ${spec.key}`);
    const at = header.dataOffset + t.begin;
    const n = (t.end - t.begin) / (t.dtype === 'F32' ? 4 : 2);
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, t.end - t.begin);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      v[i] =
        t.dtype === 'F32'
          ? view.getFloat32(i * 4, true)
          : t.dtype === 'F16'
            ? f16BitsToF32(view.getUint16(i * 2, true))
            : bf16BitsToF32(view.getUint16(i * 2, true));
      if (!Number.isFinite(v[i])) return no('non-finite weight');
      if (
        c.storage === 'f16' &&
        spec.kind === 'matrix' &&
        !Number.isFinite(f16BitsToF32(f32ToF16Bits(v[i])))
      ) {
        return no('beyond f16');
      }
    }
    values.set(spec.key, v);
  }
  return { ok: true, values };
}

function served(c: LoadCase): ModelFiles {
  return {
    description: 'fuzzed',
    async readText() {
      return c.configText;
    },
    async open() {
      let offset = 0;
      const end = Math.min(c.delivered, c.file.length);
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= end) {
            controller.close();
            return;
          }
          const n = Math.min(c.chunk, end - offset);
          controller.enqueue(c.file.slice(offset, offset + n));
          offset += n;
        },
      });
      return { size: c.declared, stream, fromCache: false };
    },
  };
}

function buffersByKey(w: Gpt2Weights): Map<string, GPUBuffer> {
  const m = new Map<string, GPUBuffer>([
    ['wte.weight', w.wte],
    ['wpe.weight', w.wpe],
    ['ln_f.weight', w.lnF.gamma],
    ['ln_f.bias', w.lnF.beta],
  ]);
  w.blocks.forEach((b, i) => {
    const pairs: [string, { weight: GPUBuffer; bias: GPUBuffer }][] = [
      ['attn.c_attn', b.attn],
      ['attn.c_proj', b.attnProj],
      ['mlp.c_fc', b.fc],
      ['mlp.c_proj', b.fcProj],
    ];
    for (const [name, l] of pairs) {
      m.set(`h.${i}.${name}.weight`, l.weight);
      m.set(`h.${i}.${name}.bias`, l.bias);
    }
    m.set(`h.${i}.ln_1.weight`, b.ln1.gamma);
    m.set(`h.${i}.ln_1.bias`, b.ln1.beta);
    m.set(`h.${i}.ln_2.weight`, b.ln2.gamma);
    m.set(`h.${i}.ln_2.bias`, b.ln2.beta);
  });
  return m;
}

export async function checkLoadCase(gpu: GpuContext, c: LoadCase): Promise<void> {
  const oracle = oracleLoad(c);
  const before = gpu.liveBuffers;
  let w: Gpt2Weights | Error;
  try {
    w = await loadGpt2Weights(gpu, served(c), { storage: c.storage, onWarning: () => {} });
  } catch (e) {
    w = e instanceof Error ? e : new Error(String(e));
  }
  if (w instanceof Error) {
    const e = w;
    const typed =
      e instanceof ConfigError ||
      e instanceof WeightsFormatError ||
      e instanceof ModelTooLargeError;
    if (!typed) throw new Error(`untyped failure: ${String(e).slice(0, 300)}`);
    if (e.message.length > MAX_MESSAGE) throw new Error(`a ${e.message.length}-character message`);
    const after = gpu.liveBuffers;
    if (after.count !== before.count || after.bytes !== before.bytes) {
      throw new Error(`a refused load left ${after.count - before.count} GPU buffers`);
    }
    if (oracle.ok) throw new Error(`refused a load the oracle accepts: ${e.message}`);
    return;
  }
  try {
    if (!oracle.ok) throw new Error(`loaded what the oracle refuses (${oracle.why})`);
    const buffers = buffersByKey(w);
    for (const spec of gpt2TensorSpecs(w.config)) {
      const want = oracle.values.get(spec.key)!;
      const buffer = buffers.get(spec.key)!;
      if (spec.kind === 'matrix' && c.storage === 'f16') {
        const got = new Uint16Array(await gpu.read(buffer)).subarray(0, want.length);
        if (got.some((h, i) => h !== f32ToF16Bits(want[i]))) throw new Error(`${spec.key} differs`);
      } else {
        const got = await gpu.readF32(buffer, 0, want.length);
        if (got.some((x, i) => !Object.is(x, want[i]))) throw new Error(`${spec.key} differs`);
      }
    }
  } finally {
    w.destroy();
  }
}

export function classifyLoadCase(c: LoadCase): string {
  const o = oracleLoad(c);
  return o.ok ? 'loaded' : `refused (${o.why.replace(/ .*/, '')})`;
}

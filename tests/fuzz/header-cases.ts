/**
 * Mutated safetensors headers and GPT-2 configs for property-based fuzzing (fast-check),
 * and the property each must hold: the parser ends in a typed error with a short message,
 * or reads exactly what the independent oracle reads. Shared by the unit suite (seeded, a
 * few thousand cases) and `npm run fuzz` (as many as asked).
 */
import fc from 'fast-check';
import {
  GPT2_CONFIG_LIMITS,
  GPT2_PRESETS,
  gpt2ConfigJson,
  parseGpt2Config,
} from '../../src/model/config.ts';
import { ConfigError, WeightsFormatError } from '../../src/model/errors.ts';
import { MAX_TENSORS, parseSafetensorsHeader } from '../../src/model/safetensors.ts';
import { oracleRead } from './safetensors-oracle.ts';

/** The longest error message a case may produce: a sentence or three, never the file. */
export const MAX_MESSAGE = 700;

export interface HeaderCase {
  file: Uint8Array;
  /** The size the source declares (may differ from file.length: a lie or a truncation). */
  size: number;
}

type Json = unknown;

/**
 * An array nested `depth` levels, [[[...]]], as a placeholder spliced into the JSON text
 * after serialising: JSON.stringify itself overflows the stack at a few thousand levels.
 */
const NESTED = '\u0000nested:';
function nested(depth: number): Json {
  return `${NESTED}${depth}`;
}

function serialise(obj: Json): string {
  return JSON.stringify(obj).replace(/"\\u0000nested:(\d+)"/g, (_, d: string) => {
    const n = Number(d);
    return '['.repeat(n) + ']'.repeat(n);
  });
}

const tricky: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    -1,
    1.5,
    2 ** 53,
    2 ** 64,
    1e308,
    -0,
    '',
    'F64',
    'I8',
    'f32',
    null,
    true,
    [],
    [0],
    [1, 2, 3],
    [-1, 4],
    [4, 0],
    [0, 2 ** 53],
    [1.5, 2],
    ['0', '4'],
    {},
  ),
  fc.integer({ min: 2, max: 6000 }).map(nested),
  fc.array(fc.nat(2 ** 31), { maxLength: 12 }),
  fc.oneof(
    { arbitrary: fc.nat(300).map((n) => 'x'.repeat(n)), weight: 9 },
    { arbitrary: fc.constant('x'.repeat(300_000)), weight: 1 },
  ),
);

const NAMES = ['wte.weight', 'wpe.weight', 'h.0.ln_1.bias', '__proto__', 'constructor', ''];

const tensorSpec = fc.record({
  name: fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 })),
  dtype: fc.constantFrom('F32', 'F16', 'BF16'),
  shape: fc.array(fc.nat(5), { maxLength: 3 }),
  gap: fc.oneof(fc.constant(0), fc.nat(9)),
});

const jsonMutation = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    field: fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra'),
    value: tricky,
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    field: fc.constantFrom('dtype', 'shape', 'data_offsets'),
  }),
  fc.record({
    kind: fc.constant('add' as const),
    name: fc.string({ maxLength: 8 }),
    value: tricky,
  }),
  fc.record({ kind: fc.constant('metadata' as const), value: tricky }),
  fc.record({
    kind: fc.constant('many' as const),
    // Mostly a few; now and then exactly at the tensor-count limit or one past it.
    count: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 20 },
      { arbitrary: fc.constantFrom(MAX_TENSORS - 1, MAX_TENSORS + 1), weight: 1 },
    ),
  }),
);

const byteMutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    edits: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('length' as const),
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
  fc.record({ kind: fc.constant('length-delta' as const), delta: fc.integer({ min: -9, max: 9 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('size' as const),
    delta: fc.oneof(
      fc.integer({ min: -16, max: 16 }),
      fc.integer({ min: -(2 ** 20), max: 2 ** 31 }),
    ),
  }),
);

/** A valid file, then zero or more mutations of its JSON and of its bytes. */
export const headerCases: fc.Arbitrary<HeaderCase> = fc
  .record({
    tensors: fc.array(tensorSpec, { maxLength: 6 }),
    metadata: fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }))),
    trailing: fc.oneof(fc.constant(0), fc.nat(8)),
    // Pad the header to a length whose bytes include "<" (0x3C) or NBSP: 15392, 15520.
    pad: fc.oneof(fc.nat(16), fc.constantFrom(15392, 15520, 0x3c3c, 0x203c)),
    json: fc.array(jsonMutation, { maxLength: 2 }),
    bytes: fc.array(byteMutation, { maxLength: 2 }),
  })
  .map((c) => {
    const obj: Record<string, Json> = {};
    if (c.metadata) obj.__metadata__ = c.metadata;
    let at = 0;
    const names: string[] = [];
    for (const t of c.tensors) {
      at += t.gap;
      const bytes = t.shape.reduce((p, d) => p * d, 1) * (t.dtype === 'F32' ? 4 : 2);
      obj[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + bytes] };
      names.push(t.name);
      at += bytes;
    }
    let dataBytes = at + c.trailing;
    for (const m of c.json) {
      if (m.kind === 'set' || m.kind === 'delete') {
        if (names.length === 0) continue;
        const entry = obj[names[m.at % names.length]];
        if (typeof entry !== 'object' || entry === null) continue;
        const e = entry as Record<string, Json>;
        if (m.kind === 'set') e[m.field] = m.value;
        else delete e[m.field];
      } else if (m.kind === 'add') obj[m.name] = m.value;
      else if (m.kind === 'metadata') obj.__metadata__ = m.value;
      else {
        for (let i = 0; i < m.count; i++) {
          obj[`t${i}`] = { dtype: 'F32', shape: [1], data_offsets: [dataBytes, dataBytes + 4] };
          dataBytes += 4;
        }
      }
    }
    let text = serialise(obj);
    if (c.pad > text.length) text = text.padEnd(c.pad, ' ');
    else text = text.padEnd(text.length + (c.pad % 17), ' ');
    const json = new TextEncoder().encode(text);
    let file = new Uint8Array(8 + json.length + dataBytes);
    const view = new DataView(file.buffer);
    view.setBigUint64(0, BigInt(json.length), true);
    file.set(json, 8);
    let size = file.length;
    for (const m of c.bytes) {
      if (m.kind === 'flip') {
        for (const [pos, b] of m.edits) file[pos % file.length] = b;
      } else if (m.kind === 'length') view.setBigUint64(0, m.value, true);
      else if (m.kind === 'length-delta') {
        view.setBigUint64(0, BigInt(Math.max(0, json.length + m.delta)), true);
      } else if (m.kind === 'truncate') {
        file = file.slice(0, m.at % (file.length + 1));
        size = file.length;
      } else size = Math.max(0, size + m.delta);
    }
    return { file, size };
  });

/** Throws (a property failure) unless the parser and the oracle agree on `c`. */
export function checkHeaderCase({ file, size }: HeaderCase): void {
  const oracle = oracleRead(file, size);
  const header = attempt(() => parseSafetensorsHeader(file, size));
  if (header instanceof Error) {
    if (!(header instanceof WeightsFormatError)) {
      throw new Error(`untyped failure: ${String(header).slice(0, 300)}`);
    }
    if (header.message.length > MAX_MESSAGE) {
      throw new Error(
        `a ${header.message.length}-character message: ${header.message.slice(0, 200)}…`,
      );
    }
    if (oracle.ok) throw new Error(`refused a file the oracle reads: ${header.message}`);
    return;
  }
  if (!oracle.ok) throw new Error(`accepted a file the oracle refuses (${oracle.why})`);
  if (header.dataOffset !== oracle.dataOffset) throw new Error('data offsets differ');
  if (header.tensors.size !== oracle.tensors.size) throw new Error('tensor counts differ');
  for (const [name, want] of oracle.tensors) {
    const got = header.tensors.get(name);
    if (
      !got ||
      got.dtype !== want.dtype ||
      got.begin !== want.begin ||
      got.end !== want.end ||
      got.shape.join() !== want.shape.join() ||
      got.elements !== want.shape.reduce((p, d) => p * d, 1)
    ) {
      throw new Error(`tensor ${JSON.stringify(name.slice(0, 40))} read differently`);
    }
  }
}

const CONFIG_KEYS = [
  'n_layer',
  'n_head',
  'n_embd',
  'n_positions',
  'n_ctx',
  'vocab_size',
  'n_inner',
  'layer_norm_epsilon',
  'model_type',
  'activation_function',
  'scale_attn_weights',
  'scale_attn_by_inverse_layer_idx',
  'reorder_and_upcast_attn',
  'add_cross_attention',
];

const configValue: fc.Arbitrary<Json> = fc.oneof(
  tricky,
  fc.integer({ min: -2, max: 70_000 }),
  fc.constantFrom(0, 1, 2, 64, 768, 50257, 50304, 1e-5, 0.5, 1, 'gpt2', 'llama', 'gelu_new', false),
);

/** A hub GPT-2 config.json with fields replaced, removed or added. */
export const configCases: fc.Arbitrary<Json> = fc
  .record({
    base: fc.constantFrom(...(Object.keys(GPT2_PRESETS) as (keyof typeof GPT2_PRESETS)[])),
    edits: fc.array(
      fc.tuple(fc.constantFrom(...CONFIG_KEYS), fc.option(configValue, { nil: undefined })),
      { maxLength: 3 },
    ),
    // Now and then not a config object at all.
    whole: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 19 },
      { arbitrary: tricky.map((v) => ({ v })), weight: 1 },
    ),
  })
  .map(({ base, edits, whole }) => {
    if (whole !== undefined) return whole.v;
    const o: Record<string, Json> = { ...gpt2ConfigJson(GPT2_PRESETS[base]) };
    for (const [k, v] of edits) {
      if (v === undefined) delete o[k];
      else o[k] = v;
    }
    return o;
  });

/** ConfigError with a short message, or a config whose every field is the JSON's. */
export function checkConfigCase(json: Json): void {
  const c = attempt(() => parseGpt2Config(json));
  if (c instanceof Error) {
    if (!(c instanceof ConfigError)) throw new Error(`untyped failure: ${String(c).slice(0, 300)}`);
    if (c.message.length > MAX_MESSAGE) throw new Error(`a ${c.message.length}-character message`);
    return;
  }
  const o = json as Record<string, Json>;
  const positions = o.n_positions ?? o.n_ctx;
  const inner = o.n_inner ?? 4 * c.nEmbd;
  const flags: [string, boolean][] = [
    ['scale_attn_weights', true],
    ['scale_attn_by_inverse_layer_idx', false],
    ['reorder_and_upcast_attn', false],
    ['add_cross_attention', false],
  ];
  const fine =
    c.nLayer === o.n_layer &&
    c.nHead === o.n_head &&
    c.nEmbd === o.n_embd &&
    c.vocabSize === o.vocab_size &&
    c.nPositions === positions &&
    c.nInner === inner &&
    c.layerNormEpsilon === (o.layer_norm_epsilon ?? 1e-5) &&
    c.nEmbd % c.nHead === 0 &&
    c.nLayer <= GPT2_CONFIG_LIMITS.nLayer &&
    c.vocabSize <= GPT2_CONFIG_LIMITS.vocabSize &&
    (o.model_type === undefined || o.model_type === 'gpt2') &&
    [undefined, 'gelu_new', 'gelu_pytorch_tanh'].includes(o.activation_function as string) &&
    flags.every(([k, ok]) => o[k] === undefined || o[k] === ok);
  if (!fine)
    throw new Error(`accepted a config the oracle reads differently: ${JSON.stringify(c)}`);
}

/** f's result, or what it threw (as an Error), so a check can judge either outside a catch. */
export function attempt<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

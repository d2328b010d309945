/**
 * Writes a deterministic random GPT-2 checkpoint (config.json + model.safetensors) in the
 * hub's format, for tests and benchmarks.
 *
 *   npx tsx scripts/make-checkpoint.ts --out DIR [--preset tiny|distilgpt2|gpt2|gpt2-medium|
 *     gpt2-large|gpt2-xl] [--layers N --embd C --heads H --positions P --vocab V --inner I]
 *     [--dtype F32|F16|BF16] [--prefix] [--attn-bias] [--seed S] [--scale X]
 */
import { parseArgs } from 'node:util';
import {
  GPT2_PRESETS,
  gpt2ParameterCount,
  isGpt2PresetName,
  type Gpt2Config,
} from '../src/model/config.ts';
import { writeRandomCheckpoint } from '../src/model/random-checkpoint-node.ts';
import type { SafetensorsDtype } from '../src/model/safetensors.ts';

const USAGE =
  'usage: npx tsx scripts/make-checkpoint.ts --out DIR [--preset NAME] [--layers N] [--embd C] ' +
  '[--heads H] [--positions P] [--vocab V] [--inner I] [--dtype F32|F16|BF16] [--prefix] ' +
  '[--attn-bias] [--seed S] [--scale X]\n' +
  `presets: ${Object.keys(GPT2_PRESETS).join(', ')}`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        preset: { type: 'string', default: 'tiny' },
        layers: { type: 'string' },
        embd: { type: 'string' },
        heads: { type: 'string' },
        positions: { type: 'string' },
        vocab: { type: 'string' },
        inner: { type: 'string' },
        dtype: { type: 'string', default: 'F32' },
        prefix: { type: 'boolean', default: false },
        'attn-bias': { type: 'boolean', default: false },
        seed: { type: 'string', default: '1' },
        scale: { type: 'string', default: '0.2' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) fail('--out DIR is required');
  const preset = values.preset;
  if (!isGpt2PresetName(preset)) fail(`unknown preset "${preset}"`);
  const dtype = values.dtype.toUpperCase();
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
    fail(`--dtype must be F32, F16 or BF16, got "${values.dtype}"`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) fail(`--seed must be an integer, got "${values.seed}"`);
  const scale = Number(values.scale);
  if (!(scale > 0 && Number.isFinite(scale))) fail(`--scale must be > 0, got "${values.scale}"`);

  const overrides: Partial<Gpt2Config> = {};
  const set = (key: keyof Gpt2Config, v: number | undefined) => {
    if (v !== undefined) overrides[key] = v;
  };
  set('nLayer', positiveInt('layers', values.layers));
  set('nEmbd', positiveInt('embd', values.embd));
  set('nHead', positiveInt('heads', values.heads));
  set('nPositions', positiveInt('positions', values.positions));
  set('vocabSize', positiveInt('vocab', values.vocab));
  set('nInner', positiveInt('inner', values.inner));

  const started = performance.now();
  const layout = await writeRandomCheckpoint(values.out, {
    preset,
    config: overrides,
    dtype: dtype as SafetensorsDtype,
    prefix: values.prefix,
    includeAttnBias: values['attn-bias'],
    seed,
    scale,
  });
  const c = layout.config;
  console.log(
    `${values.out}: L=${c.nLayer} NH=${c.nHead} C=${c.nEmbd} P=${c.nPositions} V=${c.vocabSize} ` +
      `${(gpt2ParameterCount(c) / 1e6).toFixed(1)}M params, ${dtype}, ` +
      `${(layout.size / 1e6).toFixed(1)} MB, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

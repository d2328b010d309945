/**
 * The generate command's flags, checked in full before the GPU opens or the model loads:
 * every mistake is a UsageError (exit 2, with the usage line) within milliseconds.
 */
import { parseSamplingSettings, type SamplingSettings } from '../generation/sampling-settings.ts';
import { parseModelSpec } from '../model/sources/resolve-source.ts';
import { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { parseAblationMode, parseHeadList, type HeadAblation } from '../inspect/interventions.ts';
import type { DecodeKernels } from '../model/gpt2-model.ts';
import { UsageError, httpUrlArg, idsArg, numberArg, parseArgs } from './args.ts';

export const GENERATE_USAGE = `usage: npm run generate -- --model <dir|url|hf:owner/name> (--prompt TEXT | --ids 1,2,3)
  [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--f16] [--json] [--logits]
  [--ablate L.H,L.H [--ablate-mode zero|mean|scale:S]] [--hub-base URL] [--decode-kernels v1|v2]
  [--no-pipeline]`;

/**
 * The environment variable the generate command reads when --decode-kernels is not given:
 * how a caller that cannot add flags (../shared/conformance/check.sh) picks the decode
 * kernels. Read here only, never by the engine.
 */
export const DECODE_KERNELS_ENV = 'GPT2_DECODE_KERNELS';

export interface GenerateArgs {
  model: string;
  prompt?: string;
  /** Checked against the tokenizer here, and against the model's vocabulary once loaded. */
  ids?: number[];
  maxTokens: number;
  settings: SamplingSettings;
  f16: boolean;
  json: boolean;
  logits: boolean;
  hubBase?: string;
  /** Heads whose outputs are ablated (checked against the model's shape once loaded). */
  ablation: HeadAblation | null;
  /** Decode kernels; undefined: the engine's default for the adapter. */
  decodeKernels?: DecodeKernels;
  /** Queue each decode step before the one before it is read back (--no-pipeline: false). */
  pipeline: boolean;
}

const SETTING_FLAGS: Record<string, string> = {
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  seed: '--seed',
};

export function parseGenerateArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): GenerateArgs {
  const args = parseArgs(argv, {
    model: 'string',
    prompt: 'string',
    ids: 'string',
    'max-tokens': 'string',
    temperature: 'string',
    'top-k': 'string',
    'top-p': 'string',
    seed: 'string',
    f16: 'boolean',
    json: 'boolean',
    logits: 'boolean',
    'hub-base': 'string',
    ablate: 'string',
    'ablate-mode': 'string',
    'decode-kernels': 'string',
    'no-pipeline': 'boolean',
  });
  const model = args.get('model');
  if (typeof model !== 'string') throw new UsageError('--model is required');
  try {
    parseModelSpec(model); // its syntax; whether it exists is for loading to say
  } catch (e) {
    throw new UsageError(`--model: ${(e as Error).message}`);
  }
  const prompt = args.get('prompt');
  const idsRaw = args.get('ids');
  if ((prompt === undefined) === (idsRaw === undefined)) {
    throw new UsageError('give exactly one of --prompt and --ids');
  }
  if (args.get('logits') && !args.get('json')) throw new UsageError('--logits needs --json');
  const maxTokens = numberArg(args, 'max-tokens', 32, { integer: true, min: 0, max: 100_000 });
  const num = (flag: string, integer: boolean) =>
    args.has(flag) ? numberArg(args, flag, 0, { integer }) : undefined;
  let settings: SamplingSettings;
  try {
    settings = parseSamplingSettings({
      temperature: num('temperature', false) ?? 1,
      topK: num('top-k', true) ?? 0,
      topP: num('top-p', false) ?? 1,
      seed: num('seed', true) ?? 0,
    });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const field = /^\w+/.exec(e.message)?.[0] ?? '';
    throw new UsageError(`${SETTING_FLAGS[field] ?? field}: ${e.message}`);
  }
  const ablateRaw = args.get('ablate');
  const modeRaw = args.get('ablate-mode');
  if (modeRaw !== undefined && ablateRaw === undefined) {
    throw new UsageError('--ablate-mode needs --ablate (the heads, as layer.head,layer.head)');
  }
  let ablation: HeadAblation | null = null;
  try {
    if (typeof ablateRaw === 'string') {
      const mode = parseAblationMode(typeof modeRaw === 'string' ? modeRaw : 'zero');
      ablation = { heads: parseHeadList(ablateRaw), ...mode };
    }
  } catch (e) {
    throw new UsageError(`--ablate: ${(e as Error).message}`);
  }
  const hubBase = args.get('hub-base');
  const flag = args.get('decode-kernels');
  const decodeRaw = typeof flag === 'string' ? flag : env[DECODE_KERNELS_ENV] || undefined;
  if (decodeRaw !== undefined && decodeRaw !== 'v1' && decodeRaw !== 'v2') {
    const from = typeof flag === 'string' ? '--decode-kernels' : DECODE_KERNELS_ENV;
    throw new UsageError(`${from} takes v1 (the baselines) or v2, not ${decodeRaw}`);
  }
  return {
    model,
    prompt: typeof prompt === 'string' ? prompt : undefined,
    ids: typeof idsRaw === 'string' ? idsArg(idsRaw, Gpt2Tokenizer.VOCAB_SIZE) : undefined,
    maxTokens,
    settings,
    f16: args.get('f16') === true,
    json: args.get('json') === true,
    logits: args.get('logits') === true,
    hubBase: typeof hubBase === 'string' ? httpUrlArg('hub-base', hubBase) : undefined,
    ablation,
    decodeKernels: decodeRaw,
    pipeline: args.get('no-pipeline') !== true,
  };
}

/**
 * npm run generate -- --model <dir|url|hf:repo> (--prompt TEXT | --ids 1,2,3) [--max-tokens N]
 *   [--temperature T] [--top-k K] [--top-p P] [--seed S] [--f16] [--json] [--logits]
 *   [--ablate L.H,L.H [--ablate-mode zero|mean|scale:S]]
 * Runs the same engine and kernels as the browser, on Dawn (a GPU, or SwiftShader without one).
 */
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import type { TokenStep } from '../generation/generate.ts';
import { parseSamplingSettings } from '../generation/sampling-settings.ts';
import {
  applyHeadAblation,
  parseAblationMode,
  parseHeadList,
  type HeadAblation,
} from '../inspect/interventions.ts';
import { checkHeadAblation } from '../model/head-ablation.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { UsageError, idsArg, numberArg, parseArgs } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run generate -- --model <dir|url|hf:owner/name> (--prompt TEXT | --ids 1,2,3)
  [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--f16] [--json] [--logits]
  [--ablate L.H,L.H [--ablate-mode zero|mean|scale:S]] [--hub-base URL]`;

await runCli(USAGE, async (argv) => {
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
  });
  const model = args.get('model');
  if (typeof model !== 'string') throw new UsageError('--model is required');
  const prompt = args.get('prompt');
  const idsRaw = args.get('ids');
  if ((prompt === undefined) === (idsRaw === undefined)) {
    throw new UsageError('give exactly one of --prompt and --ids');
  }
  if (args.get('logits') && !args.get('json')) throw new UsageError('--logits needs --json');
  const maxTokens = numberArg(args, 'max-tokens', 32, { integer: true, min: 0, max: 100_000 });
  const settings = parseSamplingSettings({
    temperature: args.get('temperature') ?? 1,
    topK: args.get('top-k') ?? 0,
    topP: args.get('top-p') ?? 1,
    seed: args.get('seed') ?? 0,
  });

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

  const gpu = await createNodeGpuContext();
  try {
    const files = await nodeModelFiles(model, {
      hubBase:
        typeof args.get('hub-base') === 'string' ? (args.get('hub-base') as string) : undefined,
    });
    const engine = await Gpt2Engine.load(gpu, files, { storage: args.get('f16') ? 'f16' : 'f32' });
    if (ablation) {
      try {
        checkHeadAblation(ablation, engine.config);
      } catch (e) {
        throw new UsageError(`--ablate: ${(e as Error).message}`);
      }
    }
    const hook = applyHeadAblation(engine, ablation);
    const tokenizer = engine.tokenizer;
    let promptIds =
      typeof idsRaw === 'string' ? idsArg(idsRaw) : tokenizer.encode(prompt as string);
    // GPT-2 needs one token to start from; an empty prompt starts at <|endoftext|>, as
    // the model saw at document boundaries in training.
    if (promptIds.length === 0) promptIds = [Gpt2Tokenizer.EOT];
    const V = engine.config.vocabSize;
    const bad = promptIds.find((id) => id >= V);
    if (bad !== undefined)
      throw new UsageError(`token id ${bad} is outside the vocabulary (0..${V - 1})`);

    const logits = args.get('logits') ? await engine.logitsAfter(promptIds) : null;
    const steps: TokenStep[] = [];
    const json = Boolean(args.get('json'));
    const run = engine.generate({
      contextIds: promptIds,
      maxNewTokens: maxTokens,
      settings: () => settings,
    });
    let end;
    for (;;) {
      const r = await run.next();
      if (r.done) {
        end = r.value;
        break;
      }
      steps.push(r.value);
      if (!json) process.stdout.write(r.value.text);
    }
    if (json) {
      const out: Record<string, unknown> = {
        prompt_ids: promptIds,
        ids: steps.map((s) => s.id),
        text: steps.map((s) => s.text).join('') + end.rest,
        stop: end.reason,
        probs: steps.map((s) => s.prob),
        ms_per_token: steps.length
          ? steps.reduce((a, s) => a + s.timings.totalMs, 0) / steps.length
          : 0,
      };
      if (ablation) out.ablation = ablation;
      if (logits) out.logits = Array.from(logits);
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      process.stdout.write(end.rest + '\n');
      if (end.reason === 'context_full') {
        process.stderr.write(
          `stopped: the context of ${engine.config.nPositions} tokens is full\n`,
        );
      }
    }
    hook?.destroy();
    engine.unload();
  } finally {
    gpu.destroy();
  }
});

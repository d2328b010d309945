/**
 * npm run bench -- [--model <dir|url|hf:repo|preset>] [--f16 | --compare] [--json] [--prefill T] [--steps N]
 * Prefill and decode speed of the engine on this machine's GPU (or SwiftShader). The default
 * model is a GPT-2-small-shaped random checkpoint made in memory: no download. --compare
 * runs f32 and f16 storage one after the other in one process and prints their ratios, so
 * the two are measured under the same conditions.
 */
import {
  formatBench,
  formatComparison,
  isGpt2PresetName,
  presetModelFiles,
  runBench,
  type BenchResult,
} from '../bench/run-bench.ts';
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import type { WeightStorage } from '../model/weights.ts';
import { UsageError, numberArg, parseArgs } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run bench -- [--model <dir|url|hf:owner/name|tiny|distilgpt2|gpt2|gpt2-medium|gpt2-large|gpt2-xl>]
  [--f16 | --compare] [--json] [--prefill T] [--steps N]`;

await runCli(USAGE, async (argv) => {
  const args = parseArgs(argv, {
    model: 'string',
    f16: 'boolean',
    compare: 'boolean',
    json: 'boolean',
    prefill: 'string',
    steps: 'string',
  });
  const spec = (args.get('model') as string | undefined) ?? 'gpt2';
  const json = Boolean(args.get('json'));
  const gpu = await createNodeGpuContext();
  try {
    const compare = Boolean(args.get('compare'));
    if (compare && args.get('f16')) throw new UsageError('--compare runs f32 and f16: drop --f16');
    const files = isGpt2PresetName(spec) ? presetModelFiles(spec) : await nodeModelFiles(spec);
    const prefillTokens = numberArg(args, 'prefill', 128, { integer: true, min: 1, max: 100_000 });
    const decodeSteps = numberArg(args, 'steps', 8, { integer: true, min: 1, max: 10_000 });
    const storages: WeightStorage[] = compare ? ['f32', 'f16'] : [args.get('f16') ? 'f16' : 'f32'];
    const results: BenchResult[] = [];
    for (const storage of storages) {
      results.push(
        await runBench(gpu, files, {
          storage,
          prefillTokens,
          decodeSteps,
          onStatus: json ? undefined : (m) => process.stderr.write(`  ${storage}: ${m}\n`),
        }),
      );
    }
    if (json) {
      process.stdout.write(JSON.stringify(compare ? results : results[0]) + '\n');
    } else {
      process.stdout.write(results.map(formatBench).join('\n\n') + '\n');
      if (compare) process.stdout.write('\n' + formatComparison(results[0], results[1]) + '\n');
    }
  } finally {
    gpu.destroy();
  }
});

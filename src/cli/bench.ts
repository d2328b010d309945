/**
 * npm run bench -- [--model <dir|url|hf:repo|preset>] [--f16] [--json] [--prefill T] [--steps N]
 * Prefill and decode speed of the engine on this machine's GPU (or SwiftShader). The default
 * model is a GPT-2-small-shaped random checkpoint made in memory: no download.
 */
import { formatBench, isGpt2PresetName, presetModelFiles, runBench } from '../bench/run-bench.ts';
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import { numberArg, parseArgs } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run bench -- [--model <dir|url|hf:owner/name|tiny|distilgpt2|gpt2|gpt2-medium|gpt2-large|gpt2-xl>]
  [--f16] [--json] [--prefill T] [--steps N]`;

await runCli(USAGE, async (argv) => {
  const args = parseArgs(argv, {
    model: 'string',
    f16: 'boolean',
    json: 'boolean',
    prefill: 'string',
    steps: 'string',
  });
  const spec = (args.get('model') as string | undefined) ?? 'gpt2';
  const json = Boolean(args.get('json'));
  const gpu = await createNodeGpuContext();
  try {
    const files = isGpt2PresetName(spec) ? presetModelFiles(spec) : await nodeModelFiles(spec);
    const result = await runBench(gpu, files, {
      storage: args.get('f16') ? 'f16' : 'f32',
      prefillTokens: numberArg(args, 'prefill', 128, { integer: true, min: 1, max: 100_000 }),
      decodeSteps: numberArg(args, 'steps', 8, { integer: true, min: 1, max: 10_000 }),
      onStatus: json ? undefined : (m) => process.stderr.write(`  ${m}\n`),
    });
    process.stdout.write((json ? JSON.stringify(result) : formatBench(result)) + '\n');
  } finally {
    gpu.destroy();
  }
});

/**
 * npm run bench -- [--model <dir|url|hf:repo|preset>] [--f16 | --compare] [--json] [--prefill T] [--steps N]
 *   [--peak-mb MB] [--versions] [--structure-only] [--kernel-runs N] [--prefill-kernels v1|v2]
 *   [--decode-kernels v1|v2|both]
 * Prefill and decode speed of the engine on this machine's GPU (or SwiftShader), against
 * the device's roofline: its peak read bandwidth and FLOP/s are measured first (streaming
 * MB megabytes, default 256), then every kind of kernel of a decode step and of the prefill
 * is timed (median of N runs, default 3) and set against the time its bytes and FLOPs take
 * at that peak. --versions also
 * runs every numbered kernel version on the model's shapes (as bench:kernels).
 * --structure-only times nothing: it records a prefill's and a decode step's dispatches by a
 * dry run and prints them with paper estimates for other GPUs (quick on any device). The default
 * model is a GPT-2-small-shaped random checkpoint made in memory: no download. --compare
 * runs f32 and f16 storage one after the other in one process and prints their ratios, so
 * the two are measured under the same conditions. --decode-kernels v1|v2 picks the decode
 * kernels (default: the engine's choice for this adapter: v2 on a GPU, v1 on SwiftShader;
 * --structure-only records v2, a GPU's, unless told); --decode-kernels both loads the model
 * twice and times v1 and v2 decode steps (and prefills) interleaved, by wall and CPU time
 * (short: at most T=32 and 3 steps each).
 */
import {
  benchStructure,
  formatBench,
  formatStructure,
  formatComparison,
  isGpt2PresetName,
  presetModelFiles,
  runBench,
  type BenchResult,
} from '../bench/run-bench.ts';
import { compareDecodeKernels, formatDecodeComparison } from '../bench/decode-comparison.ts';
import { measurePeak } from '../bench/peak.ts';
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import { parseModelSpec } from '../model/sources/resolve-source.ts';
import type { DecodeKernels } from '../model/gpt2-model.ts';
import type { WeightStorage } from '../model/weights.ts';
import { UsageError, numberArg, parseArgs } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run bench -- [--model <dir|url|hf:owner/name|tiny|distilgpt2|gpt2|gpt2-medium|gpt2-large|gpt2-xl>]
  [--f16 | --compare] [--json] [--prefill T] [--steps N] [--peak-mb MB] [--versions] [--structure-only]
  [--kernel-runs N] [--prefill-kernels v1|v2] [--decode-kernels v1|v2|both]`;

await runCli(USAGE, async (argv) => {
  const args = parseArgs(argv, {
    model: 'string',
    f16: 'boolean',
    compare: 'boolean',
    json: 'boolean',
    prefill: 'string',
    steps: 'string',
    'peak-mb': 'string',
    versions: 'boolean',
    'structure-only': 'boolean',
    'kernel-runs': 'string',
    'prefill-kernels': 'string',
    'decode-kernels': 'string',
  });
  const spec = (args.get('model') as string | undefined) ?? 'gpt2';
  const json = Boolean(args.get('json'));
  // Every flag is checked before the GPU opens: a mistake costs milliseconds, not a load.
  const compare = Boolean(args.get('compare'));
  if (compare && args.get('f16')) throw new UsageError('--compare runs f32 and f16: drop --f16');
  const prefillTokens = numberArg(args, 'prefill', 128, { integer: true, min: 1, max: 100_000 });
  const decodeSteps = numberArg(args, 'steps', 8, { integer: true, min: 1, max: 10_000 });
  const kernelRuns = numberArg(args, 'kernel-runs', 3, { integer: true, min: 1, max: 1000 });
  const peakMb = numberArg(args, 'peak-mb', 256, { min: 0.001, max: 1 << 20 });
  const prefillKernels = (args.get('prefill-kernels') as string | undefined) ?? 'v2';
  if (prefillKernels !== 'v1' && prefillKernels !== 'v2') {
    throw new UsageError(`--prefill-kernels takes v1 (the baselines) or v2, not ${prefillKernels}`);
  }
  const decodeArg = args.get('decode-kernels') as string | undefined;
  if (decodeArg !== undefined && !['v1', 'v2', 'both'].includes(decodeArg)) {
    throw new UsageError(`--decode-kernels takes v1 (the baselines), v2 or both, not ${decodeArg}`);
  }
  if (decodeArg === 'both' && compare) {
    throw new UsageError('--decode-kernels both and --compare: pick one comparison per run');
  }
  const decodeKernels: (DecodeKernels | undefined)[] =
    decodeArg === 'both' ? ['v1', 'v2'] : [decodeArg as DecodeKernels | undefined];
  if (!isGpt2PresetName(spec)) {
    try {
      parseModelSpec(spec);
    } catch (e) {
      throw new UsageError(`--model: ${(e as Error).message}`);
    }
  }
  const gpu = await createNodeGpuContext();
  try {
    const files = isGpt2PresetName(spec) ? presetModelFiles(spec) : await nodeModelFiles(spec);
    if (args.get('structure-only')) {
      const reports = [];
      for (const storage of compare
        ? (['f32', 'f16'] as const)
        : ([args.get('f16') ? 'f16' : 'f32'] as const)) {
        for (const kernels of decodeKernels) {
          reports.push(
            await benchStructure(gpu, files, { storage, prefillTokens, decodeKernels: kernels }),
          );
        }
      }
      process.stdout.write(
        (json
          ? JSON.stringify(reports.length > 1 ? reports : reports[0])
          : reports.map(formatStructure).join('\n\n')) + '\n',
      );
      return;
    }
    if (decodeArg === 'both') {
      // Both engines loaded at once, their steps interleaved: a ratio under one load.
      const c = await compareDecodeKernels(gpu, files, {
        storage: args.get('f16') ? 'f16' : 'f32',
        prefillTokens: Math.min(prefillTokens, 32),
        steps: Math.min(decodeSteps, 3),
        onStatus: json ? undefined : (m) => process.stderr.write(`  ${m}\n`),
      });
      process.stdout.write((json ? JSON.stringify(c) : formatDecodeComparison(c)) + '\n');
      return;
    }
    if (!json) process.stderr.write("  measuring this device's peak bandwidth and FLOP/s\n");
    const peak = await measurePeak(gpu, { bytes: peakMb * 2 ** 20 });
    const storages: WeightStorage[] = compare ? ['f32', 'f16'] : [args.get('f16') ? 'f16' : 'f32'];
    const results: BenchResult[] = [];
    for (const storage of storages) {
      results.push(
        await runBench(gpu, files, {
          storage,
          prefillTokens,
          decodeSteps,
          peak,
          versions: Boolean(args.get('versions')),
          kernelRuns,
          prefillKernels,
          decodeKernels: decodeKernels[0],
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

/**
 * npm run bench:kernels -- [--model <preset>] [--f16] [--prefill T] [--only KIND] [--runs N] [--json]
 *
 * Every numbered version of every kernel kind (src/bench/versions/) on the same inputs of a
 * GPT-2 preset's shapes, in one run: ms per call, GB/s and GFLOP/s of the work it must do,
 * its time over v1's, and the largest difference from v1's output. GPU time by timestamp
 * queries where the device has them, otherwise by submit-to-done. Without a GPU this
 * measures SwiftShader: compare ratios within one run there, not absolute figures.
 */
import { formatVersionResults, runKernelVersions } from '../bench/run-kernel-versions.ts';
import { KERNEL_KINDS } from '../bench/versions/index.ts';
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { GPT2_PRESETS, isGpt2PresetName } from '../model/config.ts';
import { UsageError, numberArg, parseArgs } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run bench:kernels -- [--model tiny|distilgpt2|gpt2|gpt2-medium|gpt2-large|gpt2-xl]
  [--f16] [--prefill T] [--only KIND] [--runs N] [--json]
  kinds: ${KERNEL_KINDS.map((k) => k.kind).join(', ')}`;

await runCli(USAGE, async (argv) => {
  const args = parseArgs(argv, {
    model: 'string',
    f16: 'boolean',
    prefill: 'string',
    only: 'string',
    runs: 'string',
    json: 'boolean',
  });
  const preset = (args.get('model') as string | undefined) ?? 'gpt2';
  if (!isGpt2PresetName(preset)) {
    throw new UsageError(`--model takes a preset name: ${Object.keys(GPT2_PRESETS).join(', ')}`);
  }
  const only = args.get('only') as string | undefined;
  if (only !== undefined && !KERNEL_KINDS.some((k) => k.kind.startsWith(only))) {
    throw new UsageError(
      `--only ${only} matches no kind (${KERNEL_KINDS.map((k) => k.kind).join(', ')})`,
    );
  }
  const json = Boolean(args.get('json'));
  const gpu = await createNodeGpuContext();
  try {
    const results = await runKernelVersions(gpu, KERNEL_KINDS, GPT2_PRESETS[preset], {
      f16: Boolean(args.get('f16')),
      T: numberArg(args, 'prefill', 128, { integer: true, min: 1, max: 100_000 }),
      runs: numberArg(args, 'runs', 3, { integer: true, min: 1, max: 1000 }),
      only,
      onStatus: json ? undefined : (m) => process.stderr.write(`  ${m}\n`),
    });
    if (json) process.stdout.write(JSON.stringify(results) + '\n');
    else {
      process.stdout.write(`adapter: ${gpu.capabilities.adapterName}\n`);
      process.stdout.write(formatVersionResults(results) + '\n');
    }
  } finally {
    gpu.destroy();
  }
});

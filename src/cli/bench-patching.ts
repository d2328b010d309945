/**
 * npm run bench:patching -- [--model <dir|url|hf:repo|tiny|gpt2|...>] [--tokens T] [--f16]
 *   [--per-submit N] [--compare] [--compare-full]
 * Times one full activation-patching sweep (every head, every (layer, position)) on a prompt
 * of T random tokens (default 15) and prints the forwards, submits, dispatches and blocks it
 * used. --compare also runs the sweep with one forward per submit, waiting for each (as a tool
 * that makes a round trip per patched run would), and prints the ratio; --compare-full runs it
 * with every block of every forward (no start at the patched block) and prints that ratio.
 * Default model: a random GPT-2-small-shaped checkpoint made in memory.
 */
import { isGpt2PresetName, presetModelFiles } from '../bench/run-bench.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { runPatching } from '../inspect/patching.ts';
import { nodeModelFiles } from '../model/sources/node-dir-files.ts';
import { UsageError, numberArg, parseArgs } from './args.ts';
import { runCli } from './run-cli.ts';

const USAGE = `usage: npm run bench:patching -- [--model <dir|url|hf:owner/name|tiny|gpt2|...>]
  [--tokens T] [--f16] [--per-submit N] [--compare] [--compare-full]`;

await runCli(USAGE, async (argv) => {
  const args = parseArgs(argv, {
    model: 'string',
    tokens: 'string',
    f16: 'boolean',
    'per-submit': 'string',
    compare: 'boolean',
    'compare-full': 'boolean',
  });
  const model = (args.get('model') as string | undefined) ?? 'gpt2';
  const perSubmit = numberArg(args, 'per-submit', 16, { integer: true, min: 1, max: 4096 });
  const gpu = await createNodeGpuContext();
  try {
    const files = isGpt2PresetName(model) ? presetModelFiles(model) : await nodeModelFiles(model);
    const engine = await Gpt2Engine.load(gpu, files, { storage: args.get('f16') ? 'f16' : 'f32' });
    try {
      const { vocabSize: V, nPositions: P, nLayer: L, nHead: NH } = engine.config;
      const T = numberArg(args, 'tokens', 15, { integer: true, min: 1, max: P });
      if (V < 3) throw new UsageError('the model needs a vocabulary of at least 3 tokens');
      // Deterministic ids, a different token at one position, answers 1 and 2.
      const clean = Array.from({ length: T }, (_, i) => (i * 7919 + 11) % V);
      const corrupt = [...clean];
      corrupt[Math.floor(T / 2)] = (corrupt[Math.floor(T / 2)] + 1) % V;
      const request = { cleanIds: clean, corruptIds: corrupt, rightId: 1, wrongId: 2 };
      const line = (
        label: string,
        s: { forwards: number; submits: number; dispatches: number; blocks: number; ms: number },
      ) =>
        `${label.padEnd(28)} ${s.forwards} forwards (L=${L}, H=${NH}, T=${T}), ${s.submits} submits, ` +
        `${s.dispatches} dispatches, ${s.blocks} blocks (${((100 * s.blocks) / (s.forwards * L)).toFixed(0)}% ` +
        `of full forwards), ${(s.ms / 1000).toFixed(2)} s, ${(s.ms / s.forwards).toFixed(1)} ms/forward`;
      // A GPT-2-small sweep takes many minutes on a CPU emulator: say how far it got.
      const started = performance.now();
      let lastReport = started;
      const onProgress = (done: number, total: number) => {
        const now = performance.now();
        if (now - lastReport < 10_000 && done < total) return;
        lastReport = now;
        const s = (now - started) / 1000;
        const eta = done > 0 ? ((s / done) * (total - done)).toFixed(0) : '?';
        process.stderr.write(
          `  ${done}/${total} patched runs, ${s.toFixed(0)} s, ~${eta} s left\n`,
        );
      };
      const batched = await runPatching(engine, request, {
        forwardsPerSubmit: perSubmit,
        onProgress,
      });
      process.stdout.write(`${files.description}, ${engine.storage}\n`);
      process.stdout.write(line(`sweep, ${perSubmit} per submit:`, batched.stats) + '\n');
      if (args.get('compare')) {
        const single = await runPatching(engine, request, { forwardsPerSubmit: 1, onProgress });
        process.stdout.write(line('sweep, 1 per submit:', single.stats) + '\n');
        process.stdout.write(
          `batched / one per submit: ${(batched.stats.ms / single.stats.ms).toFixed(2)}x the time\n`,
        );
      }
      if (args.get('compare-full')) {
        const full = await runPatching(engine, request, {
          forwardsPerSubmit: perSubmit,
          startAtPatchedBlock: false,
          onProgress,
        });
        process.stdout.write(line('sweep, full forwards:', full.stats) + '\n');
        process.stdout.write(
          `from the patched block / full forwards: ${(batched.stats.ms / full.stats.ms).toFixed(2)}x the time\n`,
        );
      }
    } finally {
      engine.unload();
    }
  } finally {
    gpu.destroy();
  }
});

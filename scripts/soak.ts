/**
 * npm run soak -- [--loads N] [--cycles N] [--model DIR]
 * A long run of the engine in one process, on the bundled model (weights/tiny-trained):
 * N load/unload cycles, then N generate/stop cycles on one loaded model (a few tokens each,
 * then a stop as the Stop button sends it). After each phase the live GPU buffers must be
 * back where they started; the script prints the counts and times and exits 1 if not.
 */
import { parseArgs } from 'node:util';
import { Gpt2Engine } from '../src/generation/gpt2-engine.ts';
import type { StopReason } from '../src/generation/generate.ts';
import { parseSamplingSettings } from '../src/generation/sampling-settings.ts';
import { createNodeGpuContext } from '../src/gpu/node-gpu.ts';
import { openModelDir } from '../src/model/sources/node-dir-files.ts';

const { values } = parseArgs({
  options: {
    loads: { type: 'string', default: '50' },
    cycles: { type: 'string', default: '1000' },
    model: { type: 'string', default: 'weights/tiny-trained' },
  },
});
const loads = Number(values.loads);
const cycles = Number(values.cycles);
if (!Number.isInteger(loads) || loads < 0 || !Number.isInteger(cycles) || cycles < 0) {
  process.stderr.write('usage: npm run soak -- [--loads N] [--cycles N] [--model DIR]\n');
  process.exit(2);
}

const gpu = await createNodeGpuContext();
const files = await openModelDir(values.model);
const start = gpu.liveBuffers;
const live = () =>
  `${gpu.liveBuffers.count} buffers, ${(gpu.liveBuffers.bytes / 1e6).toFixed(2)} MB`;
let leaked = false;
const checkBack = (phase: string) => {
  const now = gpu.liveBuffers;
  const ok = now.count === start.count && now.bytes === start.bytes;
  if (!ok) leaked = true;
  console.log(
    `${phase}: live GPU memory ${live()} (${ok ? 'back to the start' : 'NOT back to the start'})`,
  );
};
console.log(`soak on ${files.description}; at the start: ${live()}`);

let t0 = performance.now();
let peak = 0;
for (let i = 0; i < loads; i++) {
  const engine = await Gpt2Engine.load(gpu, files, { storage: i % 2 ? 'f16' : 'f32' });
  peak = Math.max(peak, gpu.liveBuffers.count);
  engine.unload();
  if (gpu.liveBuffers.count !== start.count) {
    console.log(`load ${i + 1}: ${live()} left after unload`);
    leaked = true;
    break;
  }
}
const loadMs = (performance.now() - t0) / Math.max(1, loads);
console.log(
  `${loads} load/unload cycles (f32 and f16 alternating): ${loadMs.toFixed(0)} ms each, ${peak} buffers while loaded`,
);
checkBack('after the loads');

const engine = await Gpt2Engine.load(gpu, files, { storage: 'f32' });
const loaded = gpu.liveBuffers;
const reasons = new Map<StopReason, number>();
let tokens = 0;
t0 = performance.now();
const prompt = engine.tokenizer.encode('The meaning of');
for (let i = 0; i < cycles; i++) {
  const controller = new AbortController();
  const settings = parseSamplingSettings({ temperature: 0.8, topK: 40, seed: i });
  const stopAfter = 1 + (i % 3);
  // Every fourth cycle continues the previous context (cache reuse), as Continue does.
  const context = i % 4 === 3 ? [...engine.cachedIds] : prompt;
  const gen = engine.generate({
    contextIds: context.length ? context : prompt,
    maxNewTokens: 4,
    settings: () => settings,
    signal: controller.signal,
  });
  let n = 0;
  for (;;) {
    const r = await gen.next();
    if (r.done) {
      reasons.set(r.value.reason, (reasons.get(r.value.reason) ?? 0) + 1);
      break;
    }
    tokens++;
    if (++n === stopAfter) controller.abort();
  }
  if (gpu.liveBuffers.count !== loaded.count) {
    console.log(
      `cycle ${i + 1}: ${gpu.liveBuffers.count - loaded.count} buffers more than after loading`,
    );
    leaked = true;
    break;
  }
}
const cycleMs = (performance.now() - t0) / Math.max(1, cycles);
const stops = [...reasons].map(([k, v]) => `${k} ${v}`).join(', ');
console.log(
  `${cycles} generate/stop cycles: ${tokens} tokens, ${cycleMs.toFixed(1)} ms per cycle; ended by ${stops}`,
);
engine.unload();
checkBack('after the cycles');
gpu.destroy();
console.log(leaked ? 'soak: FAILED (GPU memory was not given back)' : 'soak: passed');
process.exit(leaked ? 1 : 0);

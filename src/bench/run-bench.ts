import type { GpuContext } from '../gpu/gpu-context.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { gpt2ParameterCount, isGpt2PresetName, type Gpt2PresetName } from '../model/config.ts';
import { memoryModelFiles } from '../model/memory-files.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { makeRandomCheckpoint } from '../model/random-checkpoint.ts';
import type { WeightStorage } from '../model/weights.ts';

export interface BenchOptions {
  storage: WeightStorage;
  /** Prompt length of the prefill measurement (default 128, capped by n_positions). */
  prefillTokens?: number;
  /** Decode steps measured after one warm-up step (default 8). */
  decodeSteps?: number;
  onStatus?: (message: string) => void;
}

/** What one benchmark run measured; the CLI prints it and /bench.html puts it in the page. */
export interface BenchResult {
  adapter: string;
  model: string;
  parameters: number;
  storage: WeightStorage;
  prefill: { tokens: number; ms: number; tokensPerSecond: number };
  decode: {
    steps: number;
    msPerStep: number;
    tokensPerSecond: number;
    /** Per decode step, as recorded by the engine. */
    submits: number;
    dispatches: number;
    readbackBytes: number;
    weightBytes: number;
    /** Weight bytes read per second: how close decode comes to the GPU's memory bandwidth. */
    weightGBPerSecond: number;
  };
}

/**
 * A GPT-2-shaped checkpoint with random weights, generated in memory (no download). F16 in
 * the file to halve the memory it takes; the storage on the GPU is chosen separately.
 */
export function presetModelFiles(preset: Gpt2PresetName): ModelFiles {
  const ckpt = makeRandomCheckpoint({ preset, dtype: 'F16', seed: 1 });
  return memoryModelFiles(
    { 'config.json': ckpt.configJson, 'model.safetensors': ckpt.safetensors },
    `random ${preset}-shaped checkpoint`,
  );
}

export { isGpt2PresetName };

export async function runBench(
  gpu: GpuContext,
  files: ModelFiles,
  options: BenchOptions,
): Promise<BenchResult> {
  const status = options.onStatus ?? (() => {});
  status(`loading ${files.description}`);
  const engine = await Gpt2Engine.load(gpu, files, { storage: options.storage });
  try {
    const cfg = engine.config;
    const T = Math.min(options.prefillTokens ?? 128, cfg.nPositions - 1);
    const steps = Math.max(1, Math.min(options.decodeSteps ?? 8, cfg.nPositions - T - 1));
    const ids = Array.from({ length: T }, (_, i) => (i * 7919 + 11) % cfg.vocabSize);
    const model = engine.model;
    status(`prefill warm-up (T=${T})`);
    await model.forward(ids, 0); // compiles pipelines, touches every buffer
    status(`prefill (T=${T})`);
    const prefill = await model.forward(ids, 0);
    status('decode warm-up');
    let last = prefill.candidates[0].id;
    await model.forward([last], T);
    let ms = 0;
    let stats = prefill.stats;
    for (let s = 0; s < steps; s++) {
      status(`decode step ${s + 1}/${steps}`);
      const r = await model.forward([last], T + 1 + s);
      last = r.candidates[0].id;
      ms += r.stats.ms;
      stats = r.stats;
    }
    const msPerStep = ms / steps;
    return {
      adapter: gpu.capabilities.adapterName,
      model: files.description,
      parameters: gpt2ParameterCount(cfg),
      storage: engine.storage,
      prefill: { tokens: T, ms: prefill.stats.ms, tokensPerSecond: (T / prefill.stats.ms) * 1000 },
      decode: {
        steps,
        msPerStep,
        tokensPerSecond: 1000 / msPerStep,
        submits: stats.submits,
        dispatches: stats.dispatches,
        readbackBytes: stats.readbackBytes,
        weightBytes: stats.weightBytes,
        weightGBPerSecond: stats.weightBytes / (msPerStep * 1e6),
      },
    };
  } finally {
    engine.unload();
  }
}

/** One line per figure, as llm.c's kernel benchmarks print them. */
export function formatBench(r: BenchResult): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return [
    `adapter   ${r.adapter}`,
    `model     ${r.model} (${(r.parameters / 1e6).toFixed(1)}M parameters, ${r.storage} weights)`,
    `prefill   T=${r.prefill.tokens}  ${r.prefill.ms.toFixed(1)} ms  ${r.prefill.tokensPerSecond.toFixed(1)} tokens/s`,
    `decode    ${r.decode.msPerStep.toFixed(1)} ms/step  ${r.decode.tokensPerSecond.toFixed(2)} tokens/s  ` +
      `${r.decode.weightGBPerSecond.toFixed(2)} GB/s of weights`,
    `per step  ${r.decode.submits} submit, ${r.decode.dispatches} dispatches, ` +
      `${r.decode.readbackBytes} bytes read back, ${mb(r.decode.weightBytes)} of weights read`,
  ].join('\n');
}

/** Two results of one run side by side: how `b` compares with `a` (same machine, same load). */
export function formatComparison(a: BenchResult, b: BenchResult): string {
  const x = (v: number) => `${v.toFixed(2)}x`;
  return [
    `${b.storage} vs ${a.storage}, measured in this run:`,
    `  weight bytes per decode step  ${x(b.decode.weightBytes / a.decode.weightBytes)}`,
    `  decode ms per step            ${x(b.decode.msPerStep / a.decode.msPerStep)}`,
    `  prefill ms                    ${x(b.prefill.ms / a.prefill.ms)}`,
  ].join('\n');
}

/**
 * The v1 and v2 decode kernels side by side on one model shape in one process: both engines
 * loaded at once and their steps interleaved (v1, v2, v1, v2, ...), so both see the same load
 * on a shared machine. Each step is timed by wall clock and by this process's CPU time:
 * without a GPU the kernels run on the CPU inside this process (SwiftShader), and its CPU time
 * is what the kernels cost, less disturbed by other processes than wall time.
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import type { DecodeKernels } from '../model/gpt2-model.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { WeightStorage } from '../model/weights.ts';

export interface DecodeKernelTimes {
  kernels: DecodeKernels;
  dispatches: number;
  /** Best of the measured steps (ms). */
  decodeMs: number;
  decodeCpuMs: number;
  prefillMs: number;
  prefillCpuMs: number;
}

export interface DecodeComparison {
  model: string;
  storage: WeightStorage;
  prefillTokens: number;
  steps: number;
  /** Measured on a CPU adapter: CPU time is the kernels' cost there. */
  fallbackAdapter: boolean;
  v1: DecodeKernelTimes;
  v2: DecodeKernelTimes;
}

export async function compareDecodeKernels(
  gpu: GpuContext,
  files: ModelFiles,
  options: {
    storage: WeightStorage;
    prefillTokens?: number;
    steps?: number;
    onStatus?: (m: string) => void;
  },
): Promise<DecodeComparison> {
  const status = options.onStatus ?? (() => {});
  const engines: Gpt2Engine[] = [];
  try {
    for (const decodeKernels of ['v1', 'v2'] as const) {
      status(`loading ${files.description} for decode ${decodeKernels}`);
      engines.push(await Gpt2Engine.load(gpu, files, { storage: options.storage, decodeKernels }));
    }
    const cfg = engines[0].config;
    const T = Math.min(options.prefillTokens ?? 32, cfg.nPositions - 2);
    const steps = Math.max(1, Math.min(options.steps ?? 3, cfg.nPositions - T - 1));
    const ids = Array.from({ length: T }, (_, i) => (i * 7919 + 11) % cfg.vocabSize);
    const timed = async (f: () => Promise<unknown>) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await f();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return { result, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    const times = engines.map((e) => ({
      kernels: e.model.decodeKernels,
      dispatches: 0,
      decodeMs: Infinity,
      decodeCpuMs: Infinity,
      prefillMs: Infinity,
      prefillCpuMs: Infinity,
    }));
    // Warm-up: compiles every pipeline and pages every buffer in, both engines.
    for (const e of engines) {
      status(`warm-up, decode ${e.model.decodeKernels}`);
      await e.model.forward(ids, 0);
      await e.model.forward([1], T);
    }
    for (let s = 0; s < steps; s++) {
      for (const [i, e] of engines.entries()) {
        status(`step ${s + 1}/${steps}, decode ${e.model.decodeKernels}`);
        const p = await timed(() => e.model.forward(ids, 0));
        times[i].prefillMs = Math.min(times[i].prefillMs, p.ms);
        times[i].prefillCpuMs = Math.min(times[i].prefillCpuMs, p.cpuMs);
        const d = await timed(() => e.model.forward([1 + s], T));
        times[i].decodeMs = Math.min(times[i].decodeMs, d.ms);
        times[i].decodeCpuMs = Math.min(times[i].decodeCpuMs, d.cpuMs);
        times[i].dispatches = (d.result as { stats: { dispatches: number } }).stats.dispatches;
      }
    }
    return {
      model: files.description,
      storage: options.storage,
      prefillTokens: T,
      steps,
      fallbackAdapter: gpu.capabilities.fallbackAdapter,
      v1: times[0],
      v2: times[1],
    };
  } finally {
    for (const e of engines) e.unload();
  }
}

export function formatDecodeComparison(c: DecodeComparison): string {
  const f = (ms: number) => `${ms.toFixed(1)} ms`.padStart(12);
  const x = (a: number, b: number) => `${(b / a).toFixed(2)}x`.padStart(8);
  const row = (name: string, a: number, b: number) =>
    `  ${name.padEnd(24)}${f(a)}${f(b)}${x(a, b)}`;
  return [
    `decode v2 vs v1: ${c.model}, ${c.storage} weights, interleaved, best of ${c.steps} each`,
    `  ${''.padEnd(24)}${'v1'.padStart(12)}${'v2'.padStart(12)}${'v2/v1'.padStart(8)}`,
    row('decode step, wall', c.v1.decodeMs, c.v2.decodeMs),
    row('decode step, CPU time', c.v1.decodeCpuMs, c.v2.decodeCpuMs),
    row(`prefill T=${c.prefillTokens}, wall`, c.v1.prefillMs, c.v2.prefillMs),
    row(`prefill T=${c.prefillTokens}, CPU time`, c.v1.prefillCpuMs, c.v2.prefillCpuMs),
    `  dispatches per decode step  ${c.v1.dispatches} (v1), ${c.v2.dispatches} (v2)`,
    ...(c.fallbackAdapter
      ? [
          '  (a CPU adapter: the kernels run in this process, so its CPU time is their cost; ' +
            'v2 runs its CPU geometry here. These say nothing about a GPU.)',
        ]
      : []),
  ].join('\n');
}

import { formatLoopTiming, timeGenerationLoop, type LoopTiming } from './loop-timing.ts';
import { DispatchRecorder } from '../gpu/dispatch-recorder.ts';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { gpt2ParameterCount, isGpt2PresetName, type Gpt2PresetName } from '../model/config.ts';
import { memoryModelFiles } from '../model/memory-files.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { makeRandomCheckpoint } from '../model/random-checkpoint.ts';
import type { WeightStorage } from '../model/weights.ts';
import { deviceInfo, type DeviceInfo } from './device-info.ts';
import {
  formatEstimates,
  formatKernelTable,
  formatPeak,
  formatStepRoofline,
} from './format-roofline.ts';
import { PAPER_GPUS, paperEstimate, type PaperEstimate } from './paper-estimate.ts';
import { measurePeak, type DevicePeak } from './peak.ts';
import {
  kernelRooflines,
  stepRoofline,
  type KernelRoofline,
  type StepRoofline,
} from './roofline.ts';
import { stepStructure, type StepStructure } from './step-structure.ts';
import { timeStepByOp } from './step-timing.ts';
import {
  formatVersionResults,
  runKernelVersions,
  type VersionResult,
} from './run-kernel-versions.ts';
import { KERNEL_KINDS } from './versions/index.ts';
import type { PrefillMatmul } from '../kernels/linear.ts';
import { defaultDecodeKernels, type DecodeKernels } from '../model/gpt2-model.ts';
import { defaultTimingMethod, type TimingMethod } from './timing.ts';

export interface BenchOptions {
  storage: WeightStorage;
  /** Prompt length of the prefill measurement (default 128, capped by n_positions). */
  prefillTokens?: number;
  /** Decode steps measured after one warm-up step (default 8). */
  decodeSteps?: number;
  onStatus?: (message: string) => void;
  /** Stops the run at the next phase or decode step (throws the signal's reason). */
  signal?: AbortSignal;
  /** This device's peak, if already measured (a run of several benchmarks measures it once). */
  peak?: DevicePeak;
  /** Bytes the peak-bandwidth kernels stream when `peak` is not given (default 256 MiB). */
  peakBytes?: number;
  /** How kernels are timed (default: timestamp queries where the device has them). */
  timing?: TimingMethod;
  /** Timed runs of each kind of kernel (default 3; the median is reported). */
  kernelRuns?: number;
  /** Also run every numbered kernel version on this model's shapes (bench:kernels). */
  versions?: boolean;
  /** Prefill kernels: v2 (default) or the v1 baselines, to compare them on one model. */
  prefillKernels?: PrefillMatmul;
  /** Decode kernels (default: the engine's choice for this adapter, see defaultDecodeKernels). */
  decodeKernels?: DecodeKernels;
}

/** One step measured against the roofline: its dispatches, each kind's time and % of peak. */
export interface StepReport {
  /** Every dispatch of the step as encoded: kernel, workgroups, invocations, bytes. */
  structure: StepStructure;
  /** Per kind of kernel (op), GPU time and % of the roofline. */
  kernels: KernelRoofline[];
  /** The whole step: measured ms vs the time its bytes take at the peak bandwidth. */
  roofline: StepRoofline;
  /** Paper estimates of this step on GPUs we do not have, from its structure (see paper-estimate.ts). */
  estimates: PaperEstimate[];
}

/** What one benchmark run measured; the CLI prints it and /bench.html puts it in the page. */
export interface BenchResult {
  adapter: string;
  device: DeviceInfo;
  peak: DevicePeak;
  /** How the per-kernel times were taken. */
  timing: TimingMethod;
  model: string;
  parameters: number;
  storage: WeightStorage;
  /** Which prefill kernels ran (v2, or the v1 baselines). */
  prefillKernels: PrefillMatmul;
  /** Which decode kernels ran, and whether that was this adapter's default. */
  decodeKernels: DecodeKernels;
  decodeKernelsDefault: boolean;
  /** The numbered kernel versions side by side, when asked for. */
  versions?: VersionResult[];
  prefill: StepReport & { tokens: number; ms: number; tokensPerSecond: number };
  decode: StepReport & {
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
    /** The generation loop, pipelined and not, timed in this run. */
    loop: LoopTiming;
  };
}

/** A decode step as generation queues it: choosing the next token on the GPU too. */
const GREEDY_ON_GPU = { temperature: 0, topK: 0, topP: 1, u: 0 };

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
  // Every phase and decode step says what it starts: the moment to give up when cancelled.
  const status = (message: string) => {
    options.signal?.throwIfAborted();
    options.onStatus?.(message);
  };
  const timing = options.timing ?? defaultTimingMethod(gpu);
  let peak = options.peak;
  if (!peak) {
    status("measuring this device's peak bandwidth and FLOP/s");
    peak = await measurePeak(gpu, { bytes: options.peakBytes, method: timing });
  }
  status(`loading ${files.description}`);
  const engine = await Gpt2Engine.load(gpu, files, {
    storage: options.storage,
    decodeKernels: options.decodeKernels,
  });
  try {
    engine.model.prefillKernels = options.prefillKernels ?? 'v2';
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
    let decodeRec = new DispatchRecorder();
    for (let s = 0; s < steps; s++) {
      status(`decode step ${s + 1}/${steps}`);
      decodeRec = new DispatchRecorder();
      // As generation runs it: the GPU also chooses the next token (pipelined decode).
      const r = await model.forward([last], T + 1 + s, 1, {
        recorder: decodeRec,
        sample: GREEDY_ON_GPU,
      });
      last = r.candidates[0].id;
      ms += r.stats.ms;
      stats = r.stats;
    }
    const msPerStep = ms / steps;
    const loop = await timeGenerationLoop(engine, steps, status);
    // Kernel timing replays the steps' dispatches, so it comes after every measured result.
    status('timing each kind of kernel of a decode step');
    const decodeKernelMs = await timeStepByOp(gpu, decodeRec, {
      method: timing,
      runs: options.kernelRuns,
    });
    status('timing each kind of kernel of the prefill');
    const prefillRec = new DispatchRecorder();
    await model.forward(ids, 0, 1, { recorder: prefillRec });
    const prefillKernelMs = await timeStepByOp(gpu, prefillRec, {
      method: timing,
      runs: options.kernelRuns,
    });
    const versions = options.versions
      ? await runKernelVersions(gpu, KERNEL_KINDS, cfg, {
          f16: engine.storage === 'f16',
          T,
          method: timing,
          onStatus: (m) => status(`kernel versions: ${m}`),
        })
      : undefined;
    const report = (rec: DispatchRecorder, kernelMs: Record<string, number>, stepMs: number) => {
      const structure = stepStructure(rec.records);
      return {
        structure,
        kernels: kernelRooflines(structure, kernelMs, peak),
        roofline: stepRoofline(structure, stepMs, peak),
        estimates: PAPER_GPUS.map((g) => paperEstimate(structure.rows, g)),
      };
    };
    return {
      adapter: gpu.capabilities.adapterName,
      device: deviceInfo(gpu),
      peak,
      timing,
      model: files.description,
      parameters: gpt2ParameterCount(cfg),
      storage: engine.storage,
      prefillKernels: engine.model.prefillKernels,
      decodeKernels: engine.model.decodeKernels,
      decodeKernelsDefault: engine.model.decodeKernels === defaultDecodeKernels(gpu.capabilities),
      ...(versions ? { versions } : {}),
      prefill: {
        tokens: T,
        ms: prefill.stats.ms,
        tokensPerSecond: (T / prefill.stats.ms) * 1000,
        ...report(prefillRec, prefillKernelMs, prefill.stats.ms),
      },
      decode: {
        steps,
        msPerStep,
        tokensPerSecond: 1000 / msPerStep,
        submits: stats.submits,
        dispatches: stats.dispatches,
        readbackBytes: stats.readbackBytes,
        weightBytes: stats.weightBytes,
        weightGBPerSecond: stats.weightBytes / (msPerStep * 1e6),
        loop,
        ...report(decodeRec, decodeKernelMs, msPerStep),
      },
    };
  } finally {
    engine.unload();
  }
}

/** The structure of a step and its paper estimates, recorded without timing anything. */
export interface StructureReport {
  model: string;
  storage: WeightStorage;
  decodeKernels: DecodeKernels;
  decode: { position: number; structure: StepStructure; estimates: PaperEstimate[] };
  prefill: { tokens: number; structure: StepStructure; estimates: PaperEstimate[] };
}

/**
 * Records, by a dry run through the engine's encode path, the dispatches of a prefill of T
 * tokens and of the decode step after it, and estimates both on the paper GPUs: no kernel
 * runs, so this is quick even where the GPU is slow (SwiftShader). The kernels are those a
 * GPU runs (v2 decode unless told otherwise, geometry shaped for a GPU) whatever this
 * adapter is: the estimates are for GPUs.
 */
export async function benchStructure(
  gpu: GpuContext,
  files: ModelFiles,
  options: { storage: WeightStorage; prefillTokens?: number; decodeKernels?: DecodeKernels },
): Promise<StructureReport> {
  const decodeKernels = options.decodeKernels ?? 'v2';
  const engine = await Gpt2Engine.load(gpu, files, {
    storage: options.storage,
    decodeKernels,
    shape: 'gpu',
  });
  try {
    const cfg = engine.config;
    const T = Math.min(options.prefillTokens ?? 128, cfg.nPositions - 1);
    const step = (records: ReturnType<typeof engine.model.recordForward>) => {
      const structure = stepStructure(records);
      return { structure, estimates: PAPER_GPUS.map((g) => paperEstimate(structure.rows, g)) };
    };
    return {
      model: files.description,
      storage: engine.storage,
      decodeKernels,
      decode: { position: T, ...step(engine.model.recordForward(1, T, GREEDY_ON_GPU)) },
      prefill: { tokens: T, ...step(engine.model.recordForward(T, 0)) },
    };
  } finally {
    engine.unload();
  }
}

export function formatStructure(r: StructureReport): string {
  const summary = (name: string, s: StepStructure) =>
    `${name.padEnd(14)} ${s.dispatches} dispatches, ${(s.bytesRead / 1e6).toFixed(1)} MB read, ` +
    `${(s.flops / 1e9).toFixed(2)} GFLOP; ${s.weightReaders.dispatches} read weights, ` +
    `the narrowest with ${s.weightReaders.minInvocations} invocations`;
  return [
    `model     ${r.model} (${r.storage} weights, ${r.decodeKernels} decode kernels, shaped for ` +
      'a GPU), structure recorded by a dry run',
    summary(`decode @${r.decode.position}`, r.decode.structure),
    summary(`prefill T=${r.prefill.tokens}`, r.prefill.structure),
    'paper estimates (not measured):',
    ...formatEstimates(`decode @${r.decode.position}`, r.decode.estimates),
    ...formatEstimates(`prefill T=${r.prefill.tokens}`, r.prefill.estimates),
  ].join('\n');
}

/** One line per figure, as llm.c's kernel benchmarks print them. */
export function formatBench(r: BenchResult): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return [
    `adapter   ${r.adapter}`,
    `model     ${r.model} (${(r.parameters / 1e6).toFixed(1)}M parameters, ${r.storage} weights, ` +
      `${r.prefillKernels} prefill kernels, ${r.decodeKernels} decode kernels)`,
    ...(r.decodeKernelsDefault && r.decodeKernels === 'v1'
      ? [
          '          (v1 decode is the default on a fallback adapter such as SwiftShader, where ' +
            'v2 measured slower; --decode-kernels v2 runs the GPU kernels)',
        ]
      : []),
    `prefill   T=${r.prefill.tokens}  ${r.prefill.ms.toFixed(1)} ms  ${r.prefill.tokensPerSecond.toFixed(1)} tokens/s`,
    `decode    ${r.decode.msPerStep.toFixed(1)} ms/step  ${r.decode.tokensPerSecond.toFixed(2)} tokens/s  ` +
      `${r.decode.weightGBPerSecond.toFixed(2)} GB/s of weights`,
    `per step  ${r.decode.submits} submit, ${r.decode.dispatches} dispatches, ` +
      `${r.decode.readbackBytes} bytes read back, ${mb(r.decode.weightBytes)} of weights read`,
    `          ${r.decode.structure.weightReaders.dispatches} dispatches read weights, the ` +
      `narrowest with ${r.decode.structure.weightReaders.minInvocations} invocations`,
    formatLoopTiming(r.decode.loop),
    formatPeak(r.peak),
    formatStepRoofline('decode', r.decode.roofline),
    formatStepRoofline('prefill', r.prefill.roofline),
    '',
    `per kernel kind, GPU time by ${r.timing}:`,
    formatKernelTable('decode', r.decode.kernels),
    formatKernelTable(`prefill T=${r.prefill.tokens}`, r.prefill.kernels),
    '',
    'paper estimates from this structure (not measured; see README):',
    ...formatEstimates('decode', r.decode.estimates),
    ...formatEstimates(`prefill T=${r.prefill.tokens}`, r.prefill.estimates),
    ...(r.versions
      ? ['', 'kernel versions on the same inputs:', formatVersionResults(r.versions)]
      : []),
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

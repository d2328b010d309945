/**
 * Numbered kernel versions side by side (as llm.c's dev kernels): for each kind of kernel,
 * v1 the simple one the engine started with, v2... faster ones, all run on the same inputs
 * in one run so their times can be compared as ratios, and their outputs against v1's.
 *
 * A kind (src/bench/versions/KIND.ts) makes the cases (GPT-2 shapes from a config) and
 * each case's inputs once; each version's `setup` binds its own kernel to those inputs
 * (making any layout it needs from `inputs.cpu`) and returns how to encode it and where its
 * output is. Adding a version is one entry in the kind's `versions` list.
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import type { Gpt2Config } from '../model/config.ts';

/** One version bound to one case's inputs. */
export interface VersionRun {
  /** Encodes one run of the work (through KernelCall, so a dry run can record it). */
  encode(pass: GPUComputePassEncoder): void;
  /** Where the result is: compared with v1's after a run. */
  output: GPUBuffer;
  /** Frees what `setup` made (not the shared inputs). */
  destroy(): void;
}

export interface KernelVersion<In> {
  version: number;
  /** One line: what this version does differently. */
  about: string;
  setup(gpu: GpuContext, inputs: In): VersionRun;
}

/** One shape of the work, with what it must move and compute (for GB/s and GFLOP/s). */
export interface KernelCase<In> {
  name: string;
  bytes: number;
  flops: number;
  /** Words (f32 or u32) at the start of a version's `output` that hold the result. */
  outputWords: number;
  /** Inputs shared by every version; `destroy` frees them. */
  makeInputs(gpu: GpuContext): In & { destroy(): void };
}

export interface CaseOptions {
  /** Weights stored as packed f16. */
  f16: boolean;
  /** Prompt length of prefill cases (capped by the context). */
  T: number;
}

export interface KernelKind<In = unknown> {
  kind: string;
  about: string;
  /** How outputs are compared: f32 values (max abs diff) or u32 words (must be equal). */
  compare: 'f32' | 'u32';
  cases(cfg: Gpt2Config, options: CaseOptions): KernelCase<In>[];
  versions: KernelVersion<In>[];
}

/** Erases a kind's input type so kinds of different inputs share one list. */
export function defineKind<In>(kind: KernelKind<In>): KernelKind {
  if (!kind.versions.some((v) => v.version === 1)) {
    throw new Error(`kernel kind ${kind.kind} has no v1: keep the simple version as the baseline`);
  }
  const numbers = kind.versions.map((v) => v.version);
  if (new Set(numbers).size !== numbers.length) {
    throw new Error(`kernel kind ${kind.kind} numbers two versions alike: ${numbers.join(', ')}`);
  }
  return kind as unknown as KernelKind;
}

/** Deterministic values in [-scale, scale) (a small LCG: the same inputs on every run). */
export function benchValues(n: number, seed: number, scale = 0.5): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) / 16777216 - 0.5) * 2 * scale;
  }
  return out;
}

/**
 * The per-kernel GPU time of a run, as the "Live figures" panel shows it: plain data made
 * from the steps the engine timed with timestamp queries (TokenStep.stats.kernelMs). Pure
 * functions, no DOM: the controller folds each timed step in, the view only renders.
 */
import type { TokenStep } from '../generation/generate.ts';

/** GPU time of one kind of kernel in a step (summed over its dispatches, e.g. every layer's). */
export interface KernelTime {
  kind: string;
  ms: number;
}

/** The kernels of one step (or the mean of several), slowest first. */
export interface StepKernels {
  kernels: KernelTime[];
  /** Sum of `kernels`: the GPU time of the step. */
  gpuMs: number;
  /** Wall-clock time of the same step(s): forward, readback and sampling. */
  wallMs: number;
}

export interface KernelFigures {
  /** The prefill step (the first step, over more than one token), when it was timed. */
  prefill: StepKernels | null;
  /** Tokens the prefill step processed. */
  prefillTokens: number;
  /** The mean decode step over the timed decode steps (null: none timed yet). */
  decode: StepKernels | null;
  /** Decode steps in that mean. */
  decodeSteps: number;
}

export const EMPTY_KERNEL_FIGURES: KernelFigures = {
  prefill: null,
  prefillTokens: 0,
  decode: null,
  decodeSteps: 0,
};

/**
 * `figures` with one more step folded in; unchanged when the step was not timed. The first
 * step of a run over more than one token is the prefill; every other timed step is a decode
 * step, averaged with the earlier ones.
 */
export function addTimedStep(
  figures: KernelFigures,
  step: Pick<TokenStep, 'index' | 'forwardTokens' | 'stats' | 'timings'>,
): KernelFigures {
  const times = step.stats.kernelMs;
  if (!times) return figures;
  const wallMs = step.timings.totalMs;
  if (step.index === 0 && step.forwardTokens > 1) {
    return {
      ...figures,
      prefill: stepKernels(Object.entries(times), wallMs),
      prefillTokens: step.forwardTokens,
    };
  }
  const n = figures.decodeSteps + 1;
  const sums = new Map<string, number>();
  for (const k of figures.decode?.kernels ?? []) sums.set(k.kind, k.ms * (n - 1));
  for (const [kind, ms] of Object.entries(times)) sums.set(kind, (sums.get(kind) ?? 0) + ms);
  const meanWall = ((figures.decode?.wallMs ?? 0) * (n - 1) + wallMs) / n;
  return {
    ...figures,
    decode: stepKernels(
      [...sums].map(([kind, ms]) => [kind, ms / n]),
      meanWall,
    ),
    decodeSteps: n,
  };
}

function stepKernels(entries: [string, number][], wallMs: number): StepKernels {
  const kernels = entries
    .map(([kind, ms]) => ({ kind, ms }))
    .sort((a, b) => b.ms - a.ms || a.kind.localeCompare(b.kind));
  return { kernels, gpuMs: kernels.reduce((s, k) => s + k.ms, 0), wallMs };
}

import { describe, expect, it } from 'vitest';
import type { StepStats } from '../../src/model/gpt2-model.ts';
import { addTimedStep, EMPTY_KERNEL_FIGURES } from '../../src/ui/kernel-figures.ts';

const STATS: StepStats = { submits: 1, dispatches: 10, readbackBytes: 1, weightBytes: 1, ms: 1 };

function step(
  index: number,
  forwardTokens: number,
  totalMs: number,
  kernelMs?: Record<string, number>,
) {
  return {
    index,
    forwardTokens,
    stats: { ...STATS, kernelMs },
    timings: { forwardMs: totalMs, sampleMs: 0, totalMs },
  };
}

describe('per-kernel figures of a run', () => {
  it('keeps the prefill step and the mean of the timed decode steps, slowest first', () => {
    let f = addTimedStep(
      EMPTY_KERNEL_FIGURES,
      step(0, 5, 20, { matmul: 8, attention: 2, topk: 2 }),
    );
    expect(f.prefill).toEqual({
      kernels: [
        { kind: 'matmul', ms: 8 },
        { kind: 'attention', ms: 2 },
        { kind: 'topk', ms: 2 },
      ],
      gpuMs: 12,
      wallMs: 20,
    });
    expect(f.prefillTokens).toBe(5);
    expect(f.decode).toBeNull();
    f = addTimedStep(f, step(1, 1, 10, { matvec: 4, attention: 1 }));
    f = addTimedStep(f, step(2, 1, 99)); // not timed: left out of the mean
    f = addTimedStep(f, step(3, 1, 14, { matvec: 6, attention: 2 }));
    expect(f.decodeSteps).toBe(2);
    expect(f.decode).toEqual({
      kernels: [
        { kind: 'matvec', ms: 5 },
        { kind: 'attention', ms: 1.5 },
      ],
      gpuMs: 6.5,
      wallMs: 12,
    });
    expect(f.prefill?.gpuMs).toBe(12);
  });

  it('counts a one-token first step (a continued output) as a decode step', () => {
    const f = addTimedStep(EMPTY_KERNEL_FIGURES, step(0, 1, 3, { matvec: 2 }));
    expect(f.prefill).toBeNull();
    expect(f.decodeSteps).toBe(1);
    expect(f.decode?.kernels).toEqual([{ kind: 'matvec', ms: 2 }]);
  });
});

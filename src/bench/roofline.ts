/**
 * Achieved vs possible: for each kind of kernel in a step, its measured time against the
 * time its bytes and FLOPs take at this device's measured peak,
 *   roofline ms = max(bytes / peak bandwidth, flops / peak FLOP/s),  % = roofline ms / ms,
 * and the same for the whole step.
 */
import type { DevicePeak } from './peak.ts';
import { byOp, type StepStructure } from './step-structure.ts';

export interface KernelRoofline {
  /** The op kind (matvec, attention, ...): the model's name for this part of the step. */
  op: string;
  /** The pipelines it dispatched. */
  kernels: string[];
  dispatches: number;
  /** Fewest and most invocations of one of its dispatches. */
  minInvocations: number;
  maxInvocations: number;
  bytesRead: number;
  bytesWritten: number;
  flops: number;
  /** FLOPs per byte moved. */
  intensity: number;
  /** Measured GPU time of all its dispatches in one step. */
  ms: number;
  /**
   * The rates below are null when the kernel timed at 0 (below the timer's resolution): no rate
   * can be derived from that, Infinity GB/s would be a lie, and null (unlike NaN) survives JSON.
   */
  achievedGBs: number | null;
  achievedGflops: number | null;
  rooflineMs: number;
  /** roofline ms / measured ms, in percent. */
  percent: number | null;
  bound: 'memory' | 'compute';
}

export interface StepRoofline {
  bytes: number;
  flops: number;
  /** Measured time of the step (wall time, encode to readback). */
  ms: number;
  rooflineMs: number;
  percent: number;
}

export function rooflineMs(bytes: number, flops: number, peak: DevicePeak): number {
  return Math.max(bytes / (peak.bandwidthGBs * 1e6), flops / (peak.gflops * 1e6));
}

export function kernelRooflines(
  structure: StepStructure,
  kernelMs: Readonly<Record<string, number>>,
  peak: DevicePeak,
): KernelRoofline[] {
  return [...byOp(structure.rows)].map(([op, rows]) => {
    const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0);
    const bytesRead = sum((r) => r.bytesRead);
    const bytesWritten = sum((r) => r.bytesWritten);
    const bytes = bytesRead + bytesWritten;
    const flops = sum((r) => r.flops);
    const ms = kernelMs[op];
    if (ms === undefined) throw new Error(`no time was measured for the ${op} kernels`);
    // A time of 0 is below the timer's resolution (small kernels, coarse timestamps).
    const per = (x: number) => (ms > 0 ? x / ms : null);
    const roof = rooflineMs(bytes, flops, peak);
    return {
      op,
      kernels: [...new Set(rows.map((r) => r.kernel))],
      dispatches: rows.length,
      minInvocations: Math.min(...rows.map((r) => r.invocations)),
      maxInvocations: Math.max(...rows.map((r) => r.invocations)),
      bytesRead,
      bytesWritten,
      flops,
      intensity: bytes > 0 ? flops / bytes : 0,
      ms,
      achievedGBs: per(bytes / 1e6),
      achievedGflops: per(flops / 1e6),
      rooflineMs: roof,
      percent: per(100 * roof),
      bound: flops / (peak.gflops * 1e6) > bytes / (peak.bandwidthGBs * 1e6) ? 'compute' : 'memory',
    };
  });
}

export function stepRoofline(structure: StepStructure, ms: number, peak: DevicePeak): StepRoofline {
  const bytes = structure.bytesRead + structure.bytesWritten;
  const roof = rooflineMs(bytes, structure.flops, peak);
  return { bytes, flops: structure.flops, ms, rooflineMs: roof, percent: (100 * roof) / ms };
}

/**
 * A paper estimate of a step on a GPU we do not have, from the step's recorded structure
 * (every dispatch's invocations, bytes, FLOPs and load width) and the GPU's published
 * figures. Not a measurement: a model with three stated effects.
 *   1. Bandwidth is reached only with enough bytes in flight: about bandwidth x memory
 *      latency. A dispatch keeps min(invocations, resident invocations) x load bytes in
 *      flight; below the need, it gets that fraction of the bandwidth.
 *   2. FLOP/s scale with the fraction of the GPU's resident invocations the dispatch fills.
 *   3. Every dispatch costs a fixed overhead (browsers: ~5-15 us; 10 us taken here).
 * A dispatch takes max(memory time, compute time) + overhead; the step, their sum. Its %
 * of roofline is (total bytes / bandwidth) over that.
 */
import type { DispatchRow } from './step-structure.ts';

export interface GpuSpec {
  name: string;
  /** Published DRAM bandwidth. */
  bandwidthGBs: number;
  /** Published f32 FMA throughput. */
  gflops: number;
  /** Invocations the whole GPU holds at once (cores x threads per core). */
  residentInvocations: number;
  /** DRAM latency, so bytes in flight needed = bandwidth x latency. */
  latencyUs: number;
  dispatchOverheadUs: number;
}

/** Published figures (vendor specifications); residency and latency are typical values. */
export const PAPER_GPUS: readonly GpuSpec[] = [
  {
    name: 'Apple M1 (8-core GPU)',
    bandwidthGBs: 68.25,
    gflops: 2600,
    residentInvocations: 8 * 1024,
    latencyUs: 0.5,
    dispatchOverheadUs: 10,
  },
  {
    name: 'NVIDIA RTX 4090',
    bandwidthGBs: 1008,
    gflops: 82_600,
    residentInvocations: 128 * 1536,
    latencyUs: 0.5,
    dispatchOverheadUs: 10,
  },
];

export interface PaperEstimate {
  gpu: string;
  /** Estimated time of the step. */
  ms: number;
  /** Total bytes of the step at the published bandwidth (and FLOPs at peak, if longer). */
  rooflineMs: number;
  percent: number;
  /** Of `ms`, the fixed dispatch overheads. */
  overheadMs: number;
  /** Bytes-in-flight-weighted share of the bandwidth the step's dispatches can draw, 0-1. */
  bandwidthShare: number;
}

export function paperEstimate(rows: readonly DispatchRow[], gpu: GpuSpec): PaperEstimate {
  const needInFlight = gpu.bandwidthGBs * 1e3 * gpu.latencyUs; // bytes
  let ms = 0;
  let bytes = 0;
  let flops = 0;
  let memAtPeak = 0;
  for (const r of rows) {
    const moved = r.bytesRead + r.bytesWritten;
    const resident = Math.min(r.invocations, gpu.residentInvocations);
    const share = Math.min(1, (resident * r.loadBytes) / needInFlight);
    const memMs = moved > 0 ? moved / (gpu.bandwidthGBs * 1e6 * share) : 0;
    const fill = resident / gpu.residentInvocations;
    const computeMs = r.flops / (gpu.gflops * 1e6 * fill);
    ms += Math.max(memMs, computeMs) + gpu.dispatchOverheadUs / 1e3;
    bytes += moved;
    flops += r.flops;
    memAtPeak += moved / (gpu.bandwidthGBs * 1e6);
  }
  const overheadMs = (rows.length * gpu.dispatchOverheadUs) / 1e3;
  const rooflineMs = Math.max(bytes / (gpu.bandwidthGBs * 1e6), flops / (gpu.gflops * 1e6));
  const memMs = ms - overheadMs;
  return {
    gpu: gpu.name,
    ms,
    rooflineMs,
    percent: (100 * rooflineMs) / ms,
    overheadMs,
    bandwidthShare: memMs > 0 ? Math.min(1, memAtPeak / memMs) : 1,
  };
}

/**
 * GPU time of a piece of work: with timestamp queries where the device has them (the time
 * the GPU spent in the pass), otherwise wall time from submit to the queue being done
 * (which adds the submit's own overhead, so the work is repeated to dilute it).
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import { PassTimer } from '../gpu/pass-timer.ts';

export type TimingMethod = 'timestamp-query' | 'submit-to-done';

export interface TimingOptions {
  /** Copies of the work in one pass; the time reported is per copy. */
  reps?: number;
  /** Separate submits measured (after one warm-up). */
  runs?: number;
  method?: TimingMethod;
  /** Run once untimed first (default true): compiles pipelines and pages buffers in. */
  warmup?: boolean;
}

export interface Timing {
  /** Median over the runs, per copy. */
  ms: number;
  /** Fastest run, per copy. */
  minMs: number;
  method: TimingMethod;
}

export function defaultTimingMethod(gpu: GpuContext): TimingMethod {
  return gpu.capabilities.timestampQuery ? 'timestamp-query' : 'submit-to-done';
}

export async function timeGpu(
  gpu: GpuContext,
  label: string,
  encode: (pass: GPUComputePassEncoder) => void,
  options: TimingOptions = {},
): Promise<Timing> {
  const reps = options.reps ?? 1;
  const runs = options.runs ?? 3;
  const method = options.method ?? defaultTimingMethod(gpu);
  if (method === 'timestamp-query' && !gpu.capabilities.timestampQuery) {
    throw new Error(`${label}: this device has no timestamp-query; time by submit-to-done`);
  }
  const timer = method === 'timestamp-query' ? new PassTimer(gpu, 1) : null;
  try {
    const once = async (): Promise<number> => {
      gpu.assertAlive();
      const encoder = gpu.device.createCommandEncoder({ label });
      const pass = encoder.beginComputePass({ label, timestampWrites: timer?.writes(0) });
      for (let i = 0; i < reps; i++) encode(pass);
      pass.end();
      timer?.resolve(encoder, 1);
      const t0 = performance.now();
      gpu.device.queue.submit([encoder.finish()]);
      if (timer) return (await timer.read([label]))[label];
      await gpu.device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    };
    if (options.warmup ?? true) await once();
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) samples.push((await once()) / reps);
    samples.sort((a, b) => a - b);
    return { ms: samples[Math.floor((samples.length - 1) / 2)], minMs: samples[0], method };
  } finally {
    timer?.destroy();
  }
}

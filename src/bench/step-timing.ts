/**
 * GPU time per kind of kernel in one step: the step's dispatches, as a DispatchRecorder saw
 * them encoded, replayed kind by kind (each kind alone, on the same buffers and uniforms),
 * timed with timestamp queries where the device has them, otherwise by submit-to-done.
 * Call right after the recorded step: the uniforms must still hold its sizes, and the step
 * has just run every pipeline on these buffers, so no warm-up run is made. Replaying
 * changes the activations (residual adds run again): measure after the results are read.
 */
import type { DispatchRecorder } from '../gpu/dispatch-recorder.ts';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { timeGpu, type TimingOptions } from './timing.ts';

export async function timeStepByOp(
  gpu: GpuContext,
  recorder: DispatchRecorder,
  options: TimingOptions = {},
): Promise<Record<string, number>> {
  const groups = new Map<string, number[]>();
  recorder.records.forEach((r, i) => {
    const op = r.op ?? r.kernel;
    groups.set(op, [...(groups.get(op) ?? []), i]);
  });
  const out: Record<string, number> = {};
  for (const [op, indices] of groups) {
    const t = await timeGpu(
      gpu,
      `replay.${op}`,
      (pass) => {
        for (const i of indices) recorder.replays[i](pass);
      },
      { warmup: false, ...options },
    );
    out[op] = t.ms;
  }
  return out;
}

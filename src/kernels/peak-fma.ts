import source from '../../shaders/peak_fma.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';
import { checkGroups, PEAK_WG } from './peak-read.ts';

export const peakFmaLayout = new UniformLayout([
  ['iters', 'u32'],
  ['groups_x', 'u32'],
  ['m', 'f32'],
  ['c', 'f32'],
] as const);

/** FLOPs one invocation of peak_fma.wgsl does per iteration: 4 vec4 FMAs. */
export const PEAK_FMA_FLOPS_PER_ITER = 4 * 4 * 2;

/**
 * `groups` workgroups of PEAK_WG invocations, each `iters` steps of four vec4 FMA chains
 * (the device's FLOP/s); out gets one vec4<f32> per invocation. See peak_fma.wgsl.
 */
export class PeakFmaCall {
  private readonly call: KernelCall<'iters' | 'groups_x' | 'm' | 'c'>;

  constructor(
    gpu: GpuContext,
    readonly label: string,
    buffers: { out: GPUBuffer },
    readonly groups: number,
  ) {
    checkGroups(label, groups);
    if (buffers.out.size < groups * PEAK_WG * 16) {
      throw new RangeError(
        `${label}: out holds ${buffers.out.size} bytes, ${groups} workgroups write ${groups * PEAK_WG * 16}`,
      );
    }
    this.call = new KernelCall(gpu, label, gpu.pipeline('peak_fma', source), peakFmaLayout, [
      buffers.out,
    ]);
  }

  get invocations(): number {
    return this.groups * PEAK_WG;
  }

  /** m: the chains' multiplier, |m| < 1 so they converge; c: their increment. */
  encode(pass: GPUComputePassEncoder, sizes: { iters: number; m: number; c: number }): void {
    const { iters, m, c } = sizes;
    if (!Number.isInteger(iters) || iters < 0 || !(Math.abs(m) < 1) || !Number.isFinite(c)) {
      throw new RangeError(`${this.label}: iters=${iters} m=${m} c=${c} (need |m| < 1)`);
    }
    const [x, y] = grid1d(this.groups);
    this.call.encode(pass, { iters, groups_x: x, m, c }, [x, y]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

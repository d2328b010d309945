import source from '../../shaders/peak_read.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const peakReadLayout = new UniformLayout([
  ['n', 'u32'],
  ['stride', 'u32'],
  ['groups_x', 'u32'],
] as const);

/** Invocations per workgroup of peak_read.wgsl and peak_copy.wgsl. */
export const PEAK_WG = 256;

/**
 * Reads `n` vec4<u32> of `data` once (the device's streaming-read bandwidth) with `groups`
 * workgroups of PEAK_WG, each invocation writing the wrapping sum of what it read to out
 * (`groups * PEAK_WG` u32). See peak_read.wgsl.
 */
export class PeakReadCall {
  private readonly call: KernelCall<'n' | 'stride' | 'groups_x'>;

  constructor(
    gpu: GpuContext,
    readonly label: string,
    private readonly buffers: { data: GPUBuffer; out: GPUBuffer },
    readonly groups: number,
  ) {
    checkGroups(label, groups);
    if (buffers.out.size < groups * PEAK_WG * 4) {
      throw new RangeError(
        `${label}: out holds ${buffers.out.size} bytes, ${groups} workgroups write ${groups * PEAK_WG * 4}`,
      );
    }
    this.call = new KernelCall(gpu, label, gpu.pipeline('peak_read', source), peakReadLayout, [
      buffers.data,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n * 16 > this.buffers.data.size) {
      throw new RangeError(`${this.label}: n=${n} vec4 do not fit the data buffer`);
    }
    const [x, y] = grid1d(this.groups);
    this.call.encode(pass, { n, stride: x * y * PEAK_WG, groups_x: x }, [x, y]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

/** Throws unless `groups` is a whole number of workgroups a dispatch can hold. */
export function checkGroups(label: string, groups: number): void {
  if (!Number.isInteger(groups) || groups < 1 || groups > 65535 * 16) {
    throw new RangeError(`${label}: groups must be a whole number from 1 to ${65535 * 16}`);
  }
}

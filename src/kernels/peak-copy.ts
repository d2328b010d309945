import source from '../../shaders/peak_copy.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';
import { checkGroups, PEAK_WG } from './peak-read.ts';

export const peakCopyLayout = new UniformLayout([
  ['n', 'u32'],
  ['stride', 'u32'],
  ['groups_x', 'u32'],
] as const);

/** dst[i] = src[i] for n vec4<u32> (the device's copy bandwidth). See peak_copy.wgsl. */
export class PeakCopyCall {
  private readonly call: KernelCall<'n' | 'stride' | 'groups_x'>;

  constructor(
    gpu: GpuContext,
    readonly label: string,
    private readonly buffers: { src: GPUBuffer; dst: GPUBuffer },
    readonly groups: number,
  ) {
    checkGroups(label, groups);
    this.call = new KernelCall(gpu, label, gpu.pipeline('peak_copy', source), peakCopyLayout, [
      buffers.src,
      buffers.dst,
    ]);
  }

  encode(pass: GPUComputePassEncoder, n: number): void {
    const room = Math.min(this.buffers.src.size, this.buffers.dst.size);
    if (!Number.isInteger(n) || n < 0 || n * 16 > room) {
      throw new RangeError(`${this.label}: n=${n} vec4 do not fit src and dst`);
    }
    const [x, y] = grid1d(this.groups);
    this.call.encode(pass, { n, stride: x * y * PEAK_WG, groups_x: x }, [x, y]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

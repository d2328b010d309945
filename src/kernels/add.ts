import source from '../../shaders/add.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const addLayout = new UniformLayout([
  ['n', 'u32'],
  ['row_stride', 'u32'],
] as const);

/** out = a + b, elementwise over n floats. */
export class AddCall {
  private readonly call: KernelCall<'n' | 'row_stride'>;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { a: GPUBuffer; b: GPUBuffer; out: GPUBuffer },
  ) {
    this.call = new KernelCall(gpu, label, gpu.pipeline('add', source), addLayout, [
      buffers.a,
      buffers.b,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, n: number): void {
    const [x, y] = grid1d(Math.ceil(n / 256));
    this.call.encode(pass, { n, row_stride: x * 256 }, [x, y]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

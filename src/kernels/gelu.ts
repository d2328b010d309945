import source from '../../shaders/gelu.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const geluLayout = new UniformLayout([
  ['n', 'u32'],
  ['row_stride', 'u32'],
] as const);

/** out = gelu(input) elementwise over n floats (tanh form, GPT-2's "gelu_new"). */
export class GeluCall {
  private readonly call: KernelCall<'n' | 'row_stride'>;

  constructor(gpu: GpuContext, label: string, buffers: { input: GPUBuffer; out: GPUBuffer }) {
    this.call = new KernelCall(gpu, label, gpu.pipeline('gelu', source), geluLayout, [
      buffers.input,
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

import source from '../../shaders/softmax.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const softmaxLayout = new UniformLayout([
  ['rows', 'u32'],
  ['n', 'u32'],
  ['grid_x', 'u32'],
] as const);

/** out[r, :] = softmax(input[r, :]) for each of `rows` rows of n finite floats. */
export class SoftmaxCall {
  private readonly call: KernelCall<'rows' | 'n' | 'grid_x'>;

  constructor(gpu: GpuContext, label: string, buffers: { input: GPUBuffer; out: GPUBuffer }) {
    this.call = new KernelCall(gpu, label, gpu.pipeline('softmax', source), softmaxLayout, [
      buffers.input,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: { rows: number; n: number }): void {
    const [x, y] = grid1d(sizes.rows);
    this.call.encode(pass, { rows: sizes.rows, n: sizes.n, grid_x: x }, [x, y]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

import source from '../../shaders/column_mean.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';

export const columnMeanLayout = new UniformLayout([
  ['rows', 'u32'],
  ['C', 'u32'],
] as const);

/** out[c] = mean over the first `rows` rows of x[t, c]. */
export class ColumnMeanCall {
  private readonly call: KernelCall<'rows' | 'C'>;

  constructor(gpu: GpuContext, label: string, buffers: { x: GPUBuffer; out: GPUBuffer }) {
    this.call = new KernelCall(gpu, label, gpu.pipeline('column_mean', source), columnMeanLayout, [
      buffers.x,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: { rows: number; C: number }): void {
    if (sizes.rows < 1) throw new RangeError('column mean of no rows');
    this.call.encode(pass, sizes, [Math.ceil(sizes.C / 64)]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

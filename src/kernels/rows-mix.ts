import source from '../../shaders/rows_mix.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const rowsMixLayout = new UniformLayout([
  ['rows', 'u32'],
  ['C', 'u32'],
  ['group', 'u32'],
  ['x_row0', 'u32'],
  ['src_row0', 'u32'],
  ['src_stride', 'u32'],
  ['coef0', 'u32'],
  ['row_stride', 'u32'],
] as const);

export interface RowsMixSizes {
  rows: number;
  C: number;
  /** Channels per coefficient pair: HS for heads, C for whole rows. */
  group: number;
  x_row0: number;
  src_row0: number;
  /** Floats between source rows; 0 repeats one row. */
  src_stride: number;
  /** Index of the first coefficient in `coefs`. */
  coef0: number;
}

/**
 * x[x_row0 + t, c] = keep[g] x[..] + take[g] src[src_row0 + t, c] with g = c / group (see
 * rows_mix.wgsl). One call site per parameter set within a submit (see KernelCall).
 */
export class RowsMixCall {
  private readonly call: KernelCall<keyof RowsMixSizes | 'row_stride'>;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { x: GPUBuffer; src: GPUBuffer; coefs: GPUBuffer },
  ) {
    if (buffers.x === buffers.src) throw new Error(`${label}: rows_mix x must not be src`);
    this.call = new KernelCall(gpu, label, gpu.pipeline('rows_mix', source), rowsMixLayout, [
      buffers.x,
      buffers.src,
      buffers.coefs,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: RowsMixSizes): void {
    const [x, y] = grid1d(Math.ceil((sizes.rows * sizes.C) / 256));
    this.call.encode(pass, { ...sizes, row_stride: x * 256 }, [x, y]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

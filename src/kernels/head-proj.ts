import source from '../../shaders/head_proj.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';

export const headProjLayout = new UniformLayout([
  ['C', 'u32'],
  ['NH', 'u32'],
  ['z_row', 'u32'],
  ['out_row0', 'u32'],
] as const);

export interface HeadProjSizes {
  C: number;
  NH: number;
  /** Row of z (the heads' outputs at one position). */
  z_row: number;
  /** First of the NH output rows. */
  out_row0: number;
}

/** out[out_row0 + h, :] = z[z_row, h*HS .. (h+1)*HS) @ W[h*HS .. (h+1)*HS, :] for each head h. */
export class HeadProjCall {
  private readonly call: KernelCall<keyof HeadProjSizes>;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { z: GPUBuffer; weight: GPUBuffer; out: GPUBuffer },
    /** rowPerOutput: W held [out, in] (a model with the v2 decode kernels), not Conv1D's. */
    options: { weightsF16: boolean; rowPerOutput?: boolean },
  ) {
    this.call = new KernelCall(
      gpu,
      label,
      gpu.pipeline('head_proj', source, {
        WEIGHTS_F16: options.weightsF16,
        ROW_PER_OUTPUT: options.rowPerOutput ?? false,
      }),
      headProjLayout,
      [buffers.z, buffers.weight, buffers.out],
    );
  }

  encode(pass: GPUComputePassEncoder, sizes: HeadProjSizes): void {
    if (sizes.C % sizes.NH !== 0) throw new RangeError(`C=${sizes.C} is not NH=${sizes.NH} heads`);
    this.call.encode(pass, sizes, [Math.ceil(sizes.C / 64), sizes.NH]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

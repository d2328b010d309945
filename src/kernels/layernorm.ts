import source from '../../shaders/layernorm.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';

export const layernormLayout = new UniformLayout([
  ['rows', 'u32'],
  ['C', 'u32'],
  ['first_row', 'u32'],
  ['eps', 'f32'],
] as const);

export interface LayerNormBuffers {
  /** f32 [*, C]; rows first_row .. first_row + rows - 1 are read. */
  input: GPUBuffer;
  /** f32 [C]. */
  gamma: GPUBuffer;
  /** f32 [C]. */
  beta: GPUBuffer;
  /** f32 [rows, C]. */
  out: GPUBuffer;
}

export interface LayerNormSizes {
  rows: number;
  C: number;
  first_row: number;
  eps: number;
}

/**
 * out[r] = layernorm(input[first_row + r]) * gamma + beta for r < rows. first_row lets the
 * final layernorm of a prefill normalise only the last row, the one the LM head needs.
 */
export class LayerNormCall {
  private readonly call: KernelCall<keyof LayerNormSizes>;

  constructor(gpu: GpuContext, label: string, buffers: LayerNormBuffers) {
    this.call = new KernelCall(gpu, label, gpu.pipeline('layernorm', source), layernormLayout, [
      buffers.input,
      buffers.gamma,
      buffers.beta,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: LayerNormSizes): void {
    if (sizes.rows > 65535)
      throw new RangeError(`layernorm: ${sizes.rows} rows exceed one dispatch (65535)`);
    this.call.encode(pass, sizes, [sizes.rows]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

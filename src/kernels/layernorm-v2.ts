import source from '../../shaders/layernorm_v2.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';
import type { LayerNormBuffers, LayerNormSizes } from './layernorm.ts';

export const layernormV2Source = source;
/** Same Params as layernorm.wgsl (v1). */
export const layernormV2Layout = new UniformLayout([
  ['rows', 'u32'],
  ['C', 'u32'],
  ['first_row', 'u32'],
  ['eps', 'f32'],
] as const);

/** Rows per workgroup of layernorm_v2.wgsl. */
const ROWS_PER_GROUP = 4;

/** Whether v2 serves rows of C channels (16-byte loads need C % 4 == 0). */
export function layernormV2Supports(C: number): boolean {
  return C % 4 === 0;
}

/**
 * out[r] = layernorm(input[first_row + r]) * gamma + beta for r < rows, 4 rows per
 * workgroup: the prefill version of LayerNormCall.
 */
export class LayerNormV2Call {
  private readonly call: KernelCall<keyof LayerNormSizes>;

  constructor(gpu: GpuContext, label: string, buffers: LayerNormBuffers) {
    const pipeline = gpu.pipeline('layernorm_v2', source);
    this.call = new KernelCall(gpu, label, pipeline, layernormV2Layout, [
      buffers.input,
      buffers.gamma,
      buffers.beta,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: LayerNormSizes): void {
    if (!layernormV2Supports(sizes.C)) {
      throw new RangeError(`${this.call.label}: C=${sizes.C} is not a multiple of 4`);
    }
    const groups = Math.ceil(sizes.rows / ROWS_PER_GROUP);
    if (groups > 65535) {
      throw new RangeError(`${this.call.label}: ${sizes.rows} rows exceed one dispatch`);
    }
    this.call.encode(pass, sizes, [groups]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

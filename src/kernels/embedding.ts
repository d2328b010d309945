import source from '../../shaders/embedding.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';

export const embeddingLayout = new UniformLayout([
  ['T', 'u32'],
  ['C', 'u32'],
  ['pos0', 'u32'],
] as const);

export interface EmbeddingBuffers {
  /** u32[T] token ids. */
  ids: GPUBuffer;
  /** Token embedding [V, C], f32 words or packed f16 pairs. */
  wte: GPUBuffer;
  /** Position embedding [P, C], same storage as wte. */
  wpe: GPUBuffer;
  /** f32 [T, C]. */
  out: GPUBuffer;
}

/** out[t, c] = wte[ids[t], c] + wpe[pos0 + t, c]: the input of the first block. */
export class EmbeddingCall {
  private readonly call: KernelCall<'T' | 'C' | 'pos0'>;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: EmbeddingBuffers,
    options: { weightsF16: boolean },
  ) {
    const pipeline = gpu.pipeline('embedding', source, { WEIGHTS_F16: options.weightsF16 });
    this.call = new KernelCall(gpu, label, pipeline, embeddingLayout, [
      buffers.ids,
      buffers.wte,
      buffers.wpe,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: { T: number; C: number; pos0: number }): void {
    if (sizes.T > 65535) throw new RangeError(`embedding: T = ${sizes.T} exceeds one dispatch`);
    this.call.encode(pass, sizes, [Math.ceil(sizes.C / 256), sizes.T]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

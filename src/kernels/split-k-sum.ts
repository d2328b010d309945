import source from '../../shaders/split_k_sum.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const splitKSumSource = source;
export const splitKSumLayout = new UniformLayout([
  ['T', 'u32'],
  ['N', 'u32'],
  ['splits', 'u32'],
] as const);

export interface SplitKSumSizes {
  T: number;
  N: number;
  splits: number;
}

const WG = 256;

/**
 * The combine step of split-K matmul: out[T, N] (= or +=) act(sum_s partials[s, T, N] +
 * bias[N]), splits added in order. N must be a multiple of 4 (16-byte loads).
 */
export class SplitKSumCall {
  private readonly call: KernelCall<'T' | 'N' | 'splits'>;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { partials: GPUBuffer; bias: GPUBuffer; out: GPUBuffer },
    options: { gelu: boolean; accumulate: boolean },
  ) {
    const pipeline = gpu.pipeline('split_k_sum', source, {
      GELU: options.gelu,
      ACCUMULATE: options.accumulate,
    });
    this.call = new KernelCall(gpu, label, pipeline, splitKSumLayout, [
      buffers.partials,
      buffers.bias,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: SplitKSumSizes): void {
    if (sizes.N % 4 !== 0) {
      throw new RangeError(`${this.call.label}: N=${sizes.N} is not a multiple of 4`);
    }
    this.call.encode(pass, sizes, grid1d(Math.ceil((sizes.T * sizes.N) / 4 / WG)));
  }

  destroy(): void {
    this.call.destroy();
  }
}

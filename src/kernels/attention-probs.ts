import source from '../../shaders/attention_probs.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { checkHeads } from './attention.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const attentionProbsLayout = new UniformLayout([
  ['n', 'u32'],
  ['C', 'u32'],
  ['NH', 'u32'],
  ['head', 'u32'],
] as const);

export interface AttentionProbsSizes {
  n: number;
  C: number;
  NH: number;
  head: number;
}

/**
 * The attention map of one head over the first n cached positions, as attention used it:
 * out[i, j] = softmax_{j <= i}(q[i] . k[j] / sqrt(HS)), 0 for j > i; out is [n, n].
 * q and k are a layer's qStore and kCache ([P, C]).
 */
export class AttentionProbsCall {
  private readonly call: KernelCall<'n' | 'C' | 'NH' | 'head'>;
  private readonly cacheBytes: number;
  private readonly outBytes: number;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { q: GPUBuffer; k: GPUBuffer; out: GPUBuffer },
  ) {
    this.cacheBytes = Math.min(buffers.q.size, buffers.k.size);
    this.outBytes = buffers.out.size;
    this.call = new KernelCall(
      gpu,
      label,
      gpu.pipeline('attention_probs', source),
      attentionProbsLayout,
      [buffers.q, buffers.k, buffers.out],
    );
  }

  encode(pass: GPUComputePassEncoder, sizes: AttentionProbsSizes): void {
    const { n, C, NH, head } = sizes;
    checkHeads(this.call.label, C, NH);
    if (!Number.isInteger(head) || head < 0 || head >= NH) {
      throw new RangeError(`${this.call.label}: head ${head} outside 0..${NH - 1}`);
    }
    if (n * C * 4 > this.cacheBytes) {
      throw new RangeError(
        `${this.call.label}: n=${n} positions do not fit the cache ` +
          `(${this.cacheBytes / (4 * C)} rows of C=${C})`,
      );
    }
    if (n * n * 4 > this.outBytes) {
      throw new RangeError(`${this.call.label}: out holds fewer than n*n = ${n * n} floats`);
    }
    this.call.encode(pass, sizes, grid1d(n));
  }

  destroy(): void {
    this.call.destroy();
  }
}

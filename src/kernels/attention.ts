import source from '../../shaders/attention.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { ATTENTION_MAX_HS } from './attention-limits.ts';
import { KernelCall } from './kernel-call.ts';

export const attentionLayout = new UniformLayout([
  ['T', 'u32'],
  ['pos0', 'u32'],
  ['C', 'u32'],
  ['NH', 'u32'],
] as const);

export { ATTENTION_MAX_HS };

export interface AttentionSizes {
  T: number;
  pos0: number;
  C: number;
  NH: number;
}

/**
 * Causal attention of T query rows at positions pos0 .. pos0 + T - 1 over the KV cache:
 * out[t, head h] = sum_{j <= pos0 + t} softmax_j(q[pos0 + t] . k[j] / sqrt(HS)) v[j].
 * q, k, v are a layer's qStore, kCache, vCache ([P, C], filled by KvWriteCall); out is [T, C].
 */
export class AttentionCall {
  private readonly call: KernelCall<'T' | 'pos0' | 'C' | 'NH'>;
  private readonly cacheBytes: number;
  private readonly outBytes: number;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; out: GPUBuffer },
  ) {
    this.cacheBytes = Math.min(buffers.q.size, buffers.k.size, buffers.v.size);
    this.outBytes = buffers.out.size;
    this.call = new KernelCall(gpu, label, gpu.pipeline('attention', source), attentionLayout, [
      buffers.q,
      buffers.k,
      buffers.v,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: AttentionSizes): void {
    const { T, pos0, C, NH } = sizes;
    checkHeads(this.call.label, C, NH);
    if ((pos0 + T) * C * 4 > this.cacheBytes) {
      throw new RangeError(
        `${this.call.label}: positions up to ${pos0 + T} do not fit the cache ` +
          `(${this.cacheBytes / (4 * C)} rows of C=${C})`,
      );
    }
    if (T * C * 4 > this.outBytes) {
      throw new RangeError(`${this.call.label}: out holds fewer than T=${T} rows of C=${C}`);
    }
    if (T > 65535 || NH > 65535) {
      throw new RangeError(`${this.call.label}: T=${T} or NH=${NH} above 65535 per dispatch`);
    }
    this.call.encode(pass, sizes, [NH, T]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

/** Throws unless C splits into NH heads of a size the attention shaders serve. */
export function checkHeads(label: string, C: number, NH: number): void {
  const HS = C / NH;
  if (!Number.isInteger(HS) || HS < 1 || HS > ATTENTION_MAX_HS) {
    throw new RangeError(
      `${label}: C=${C} must split into NH=${NH} heads of 1..${ATTENTION_MAX_HS} channels`,
    );
  }
}

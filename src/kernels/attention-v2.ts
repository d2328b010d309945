import source from '../../shaders/attention_v2.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { checkHeads, type AttentionSizes } from './attention.ts';
import { KernelCall } from './kernel-call.ts';

export const attentionV2Source = source;
/** Same Params as attention.wgsl (v1). */
export const attentionV2Layout = new UniformLayout([
  ['T', 'u32'],
  ['pos0', 'u32'],
  ['C', 'u32'],
  ['NH', 'u32'],
] as const);

/** Largest head size attention_v2.wgsl serves (MAX_HS there): its tiles fit 16 KiB. */
export const ATTENTION_V2_MAX_HS = 96;
/** Query rows per workgroup (BQ in the shader). */
export const ATTENTION_V2_BLOCK = 16;

/** Whether v2 serves heads of C / NH channels: 16-byte loads need HS % 4 == 0. */
export function attentionV2Supports(C: number, NH: number): boolean {
  const HS = C / NH;
  return Number.isInteger(HS) && HS % 4 === 0 && HS <= ATTENTION_V2_MAX_HS;
}

/**
 * Causal attention of T query rows at positions pos0 .. pos0 + T - 1 over a layer's qStore,
 * kCache, vCache ([P, C]), FlashAttention-style: blocks of 16 queries share each tile of 16
 * keys and values. One pipeline per head size (an override constant), any T and pos0.
 */
export class AttentionV2Call {
  private readonly call: KernelCall<'T' | 'pos0' | 'C' | 'NH'>;
  private readonly cacheBytes: number;
  private readonly outBytes: number;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; out: GPUBuffer },
    private readonly headSize: number,
  ) {
    if (!(headSize % 4 === 0 && headSize > 0 && headSize <= ATTENTION_V2_MAX_HS)) {
      throw new RangeError(
        `${label}: attention v2 serves head sizes 4..${ATTENTION_V2_MAX_HS} in steps of 4, ` +
          `not ${headSize}; use AttentionCall (v1)`,
      );
    }
    this.cacheBytes = Math.min(buffers.q.size, buffers.k.size, buffers.v.size);
    this.outBytes = buffers.out.size;
    const pipeline = gpu.pipeline('attention_v2', source, { HS: headSize });
    this.call = new KernelCall(gpu, label, pipeline, attentionV2Layout, [
      buffers.q,
      buffers.k,
      buffers.v,
      buffers.out,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: AttentionSizes): void {
    const { T, pos0, C, NH } = sizes;
    checkHeads(this.call.label, C, NH);
    if (C / NH !== this.headSize) {
      throw new RangeError(
        `${this.call.label}: C=${C} NH=${NH} is not the head size ${this.headSize} it was built for`,
      );
    }
    if ((pos0 + T) * C * 4 > this.cacheBytes) {
      throw new RangeError(
        `${this.call.label}: positions up to ${pos0 + T} do not fit the cache ` +
          `(${this.cacheBytes / (4 * C)} rows of C=${C})`,
      );
    }
    if (T * C * 4 > this.outBytes) {
      throw new RangeError(`${this.call.label}: out holds fewer than T=${T} rows of C=${C}`);
    }
    const blocks = Math.ceil(T / ATTENTION_V2_BLOCK);
    if (blocks > 65535 || NH > 65535) {
      throw new RangeError(`${this.call.label}: T=${T} or NH=${NH} too large for one dispatch`);
    }
    this.call.encode(pass, sizes, [NH, blocks]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

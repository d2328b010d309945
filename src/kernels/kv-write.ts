import source from '../../shaders/kv_write.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';

export const kvWriteLayout = new UniformLayout([
  ['T', 'u32'],
  ['C', 'u32'],
  ['pos0', 'u32'],
] as const);

export interface KvWriteSizes {
  T: number;
  C: number;
  pos0: number;
}

/**
 * Copies the T rows of qkv [T, 3C] (q | k | v per row) into rows pos0 .. pos0 + T - 1 of a
 * layer's qStore, kCache and vCache (each [P, C]).
 */
export class KvWriteCall {
  private readonly call: KernelCall<'T' | 'C' | 'pos0'>;
  private readonly qkvBytes: number;
  private readonly cacheBytes: number;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { qkv: GPUBuffer; q: GPUBuffer; k: GPUBuffer; v: GPUBuffer },
  ) {
    this.qkvBytes = buffers.qkv.size;
    this.cacheBytes = Math.min(buffers.q.size, buffers.k.size, buffers.v.size);
    this.call = new KernelCall(gpu, label, gpu.pipeline('kv_write', source), kvWriteLayout, [
      buffers.qkv,
      buffers.q,
      buffers.k,
      buffers.v,
    ]);
  }

  encode(pass: GPUComputePassEncoder, sizes: KvWriteSizes): void {
    const { T, C, pos0 } = sizes;
    if (!(C > 0) || T * 3 * C * 4 > this.qkvBytes) {
      throw new RangeError(`${this.call.label}: qkv holds fewer than T=${T} rows of 3C=${3 * C}`);
    }
    if ((pos0 + T) * C * 4 > this.cacheBytes) {
      throw new RangeError(
        `${this.call.label}: rows up to ${pos0 + T} do not fit the cache ` +
          `(${this.cacheBytes / (4 * C)} rows of C=${C})`,
      );
    }
    if (T > 65535) throw new RangeError(`${this.call.label}: T=${T} above 65535 rows per dispatch`);
    this.call.encode(pass, sizes, [Math.ceil(C / 256), T]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

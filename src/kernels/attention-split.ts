import source from '../../shaders/attention_split.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';

export const attentionSplitLayout = new UniformLayout([
  ['pos', 'u32'],
  ['C', 'u32'],
  ['NH', 'u32'],
  ['keys_per_split', 'u32'],
  ['splits', 'u32'],
] as const);

/** Keys one workgroup scores at a time (its WG); runs of keys are multiples of it. */
const CHUNK = 64;
/**
 * At most this many runs per head: each run is a workgroup (parallelism at long contexts),
 * but every workgroup of c_proj re-reads all partials in its combine prologue (splits x C
 * floats), so more runs cost more there.
 */
export const ATTENTION_MAX_SPLITS = 8;

/** How the keys 0 .. pos are split: `splits` runs of `keysPerSplit` (the last may be shorter). */
export function attentionSplits(pos: number): { splits: number; keysPerSplit: number } {
  const n = pos + 1;
  const chunks = Math.ceil(n / CHUNK);
  const keysPerSplit = CHUNK * Math.ceil(chunks / Math.min(chunks, ATTENTION_MAX_SPLITS));
  return { splits: Math.ceil(n / keysPerSplit), keysPerSplit };
}

/** Floats of the partials buffer for C channels in NH heads: acc and (m, l) per run. */
export function attentionPartialsFloats(C: number, NH: number): number {
  return ATTENTION_MAX_SPLITS * (C + 2 * NH);
}

/** Whether attention_split.wgsl serves these heads (16-byte aligned, at most 256 wide). */
export function attentionSplitServes(C: number, NH: number): boolean {
  const HS = C / NH;
  return Number.isInteger(HS) && HS % 4 === 0 && HS >= 4 && HS <= 256;
}

/**
 * Flash-decoding for one query at position pos over a layer's KV cache: per head and run of
 * keys, the partial softmax (max, sum, weighted values) into `partials`, which c_proj's
 * combine prologue (MatvecV2Call, prologue 'combine') merges. Returns the split used, which
 * the combine needs.
 */
export class AttentionSplitCall {
  private readonly call: KernelCall<(typeof attentionSplitLayout.fields)[number][0]>;
  private readonly cacheBytes: number;
  private readonly partialsBytes: number;

  constructor(
    gpu: GpuContext,
    readonly label: string,
    buffers: { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; partials: GPUBuffer },
  ) {
    this.cacheBytes = Math.min(buffers.q.size, buffers.k.size, buffers.v.size);
    this.partialsBytes = buffers.partials.size;
    this.call = new KernelCall(
      gpu,
      label,
      gpu.pipeline('attention_split', source),
      attentionSplitLayout,
      [buffers.q, buffers.k, buffers.v, buffers.partials],
    );
  }

  encode(
    pass: GPUComputePassEncoder,
    sizes: { pos: number; C: number; NH: number },
  ): { splits: number; keysPerSplit: number } {
    const { pos, C, NH } = sizes;
    if (!attentionSplitServes(C, NH)) {
      throw new RangeError(
        `${this.label}: heads of C/NH = ${C}/${NH} must be 4..256 channels, a multiple of 4`,
      );
    }
    if (!Number.isInteger(pos) || pos < 0 || (pos + 1) * C * 4 > this.cacheBytes) {
      throw new RangeError(`${this.label}: position ${pos} is outside the cache (rows of C=${C})`);
    }
    if (attentionPartialsFloats(C, NH) * 4 > this.partialsBytes) {
      throw new RangeError(
        `${this.label}: partials buffer holds fewer than ${attentionPartialsFloats(C, NH)} floats`,
      );
    }
    const split = attentionSplits(pos);
    this.call.encode(
      pass,
      { pos, C, NH, keys_per_split: split.keysPerSplit, splits: split.splits },
      [split.splits, NH],
    );
    return split;
  }

  destroy(): void {
    this.call.destroy();
  }
}

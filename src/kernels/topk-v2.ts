import lseKernel from '../../shaders/topk_lse.wgsl?raw';
import mergeSource from '../../shaders/topk_merge.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';
import { LOGSUMEXP_OUTPUT_BYTES } from './logsumexp.ts';
import { TOPK_CHUNK, TOPK_ENTRIES, TOPK_OUTPUT_BYTES } from './topk.ts';
import { linkWgsl } from './wgsl-lib.ts';

const lseSource = linkWgsl(lseKernel, 'chunkTop', 'softmaxPartial');

export const topkLseLayout = new UniformLayout([
  ['V', 'u32'],
  ['inv_temperature', 'f32'],
] as const);
export const topkMergeLayout = new UniformLayout([
  ['V', 'u32'],
  ['lists', 'u32'],
  ['inv_temperature', 'f32'],
] as const);

/**
 * Sampling support v2: the TOPK_ENTRIES best logits (as TopKCall writes them) and the
 * softmax normalisers (as LogSumExpCall writes them) in two dispatches: one pass over the
 * logits, a workgroup per 1024 (topk_lse.wgsl), then one small merge of the per-chunk
 * results (topk_merge.wgsl). Replaces topk's three rounds and logsumexp's single-workgroup
 * scan of the vocabulary at decode.
 */
export class TopKLseCall {
  private readonly pass1: KernelCall<'V' | 'inv_temperature'>;
  private readonly merge: KernelCall<'V' | 'lists' | 'inv_temperature'>;
  private readonly lists: GPUBuffer;
  private readonly stats: GPUBuffer;

  constructor(
    private readonly gpu: GpuContext,
    readonly label: string,
    buffers: { logits: GPUBuffer; candidates: GPUBuffer; lse: GPUBuffer },
    readonly options: { maxV: number },
  ) {
    const { maxV } = options;
    if (!Number.isInteger(maxV) || maxV < 1 || buffers.logits.size < maxV * 4) {
      throw new RangeError(`${label}: logits must hold maxV = ${maxV} floats (an integer >= 1)`);
    }
    if (buffers.candidates.size < TOPK_OUTPUT_BYTES || buffers.lse.size < LOGSUMEXP_OUTPUT_BYTES) {
      throw new RangeError(
        `${label}: outputs need ${TOPK_OUTPUT_BYTES} and ${LOGSUMEXP_OUTPUT_BYTES} bytes`,
      );
    }
    const groups = Math.ceil(maxV / TOPK_CHUNK);
    this.lists = gpu.createBuffer(
      `${label}.lists`,
      groups * TOPK_ENTRIES * 8,
      GPUBufferUsage.STORAGE,
    );
    this.stats = gpu.createBuffer(`${label}.stats`, groups * 16, GPUBufferUsage.STORAGE);
    this.pass1 = new KernelCall(
      gpu,
      `${label}.chunks`,
      gpu.pipeline('topk_lse', lseSource),
      topkLseLayout,
      [buffers.logits, this.lists, this.stats],
    );
    this.merge = new KernelCall(
      gpu,
      `${label}.merge`,
      gpu.pipeline('topk_merge', mergeSource),
      topkMergeLayout,
      [this.lists, this.stats, buffers.candidates, buffers.lse],
    );
  }

  /** inv_temperature: 1 / temperature as sampling applies it (pass 1 for greedy). */
  encode(pass: GPUComputePassEncoder, sizes: { V: number; inv_temperature: number }): void {
    const { V, inv_temperature } = sizes;
    if (!Number.isInteger(V) || V < 1 || V > this.options.maxV) {
      throw new RangeError(
        `${this.label}: V must be an integer in [1, ${this.options.maxV}], got ${V}`,
      );
    }
    if (!(inv_temperature > 0) || !Number.isFinite(inv_temperature)) {
      throw new RangeError(
        `${this.label}: inv_temperature must be a finite number > 0, got ${inv_temperature}`,
      );
    }
    const lists = Math.ceil(V / TOPK_CHUNK);
    this.pass1.encode(pass, { V, inv_temperature }, [lists]);
    this.merge.encode(pass, { V, lists, inv_temperature }, [1]);
  }

  destroy(): void {
    this.pass1.destroy();
    this.merge.destroy();
    this.gpu.destroyBuffer(this.lists);
    this.gpu.destroyBuffer(this.stats);
  }
}

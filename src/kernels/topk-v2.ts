import lseKernel from '../../shaders/topk_lse.wgsl?raw';
import mergeKernel from '../../shaders/topk_merge.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';
import { LOGSUMEXP_OUTPUT_BYTES } from './logsumexp.ts';
import { sampleFields, type GpuSampleParams } from './sample.ts';
import { TOPK_CHUNK, TOPK_ENTRIES, TOPK_OUTPUT_BYTES } from './topk.ts';
import { linkWgsl } from './wgsl-lib.ts';

const lseSource = linkWgsl(lseKernel, 'chunkTop', 'softmaxPartial');
const mergeSource = linkWgsl(mergeKernel, 'sampleWalk');

export const topkLseLayout = new UniformLayout([
  ['V', 'u32'],
  ['inv_temperature', 'f32'],
] as const);
export const topkMergeLayout = new UniformLayout([
  ['V', 'u32'],
  ['lists', 'u32'],
  ['inv_temperature', 'f32'],
  ['sample', 'u32'],
  ['greedy', 'u32'],
  ['top_k', 'u32'],
  ['top_p', 'f32'],
  ['u', 'f32'],
  ['out_index', 'u32'],
] as const);
type MergeField = (typeof topkMergeLayout.fields)[number][0];

/**
 * Sampling support v2: the TOPK_ENTRIES best logits (as TopKCall writes them) and the
 * softmax normalisers (as LogSumExpCall writes them) in two dispatches: one pass over the
 * logits, a workgroup per 1024 (topk_lse.wgsl), then one small merge of the per-chunk
 * results (topk_merge.wgsl). Replaces topk's three rounds and logsumexp's single-workgroup
 * scan of the vocabulary at decode. Asked to, the merge also chooses the next token on the
 * GPU (as SampleCall does) into `ids`: pipelined decode at no extra dispatch.
 */
export class TopKLseCall {
  private readonly pass1: KernelCall<'V' | 'inv_temperature'>;
  private readonly merge: KernelCall<MergeField>;
  private readonly lists: GPUBuffer;
  private readonly stats: GPUBuffer;
  /** Where the choice goes when no `ids` buffer was given (it is then never asked for). */
  private readonly idsScratch: GPUBuffer | null;

  constructor(
    private readonly gpu: GpuContext,
    readonly label: string,
    buffers: { logits: GPUBuffer; candidates: GPUBuffer; lse: GPUBuffer; ids?: GPUBuffer },
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
    this.idsScratch = buffers.ids
      ? null
      : gpu.createBuffer(`${label}.ids_scratch`, 4, GPUBufferUsage.STORAGE);
    const ids = buffers.ids ?? this.idsScratch!;
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
      [this.lists, this.stats, buffers.candidates, buffers.lse, ids],
    );
  }

  /**
   * inv_temperature: 1 / temperature as sampling applies it (pass 1 for greedy). `sample`:
   * also choose the next token into ids[outIndex] (needs the `ids` buffer); its temperature
   * must be the one inv_temperature comes from.
   */
  encode(
    pass: GPUComputePassEncoder,
    sizes: { V: number; inv_temperature: number },
    sample?: { params: GpuSampleParams; outIndex: number },
  ): void {
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
    if (sample && this.idsScratch) {
      throw new Error(`${this.label}: asked to sample, but made without an ids buffer`);
    }
    const walk = sample ? sampleFields(sample.params) : null;
    if (walk && Math.fround(walk.inv_temperature) !== Math.fround(inv_temperature)) {
      throw new RangeError(
        `${this.label}: sampling at inverse temperature ${walk.inv_temperature}, but the sums are taken at ${inv_temperature}`,
      );
    }
    this.merge.encode(
      pass,
      {
        V,
        lists,
        inv_temperature,
        sample: walk ? 1 : 0,
        greedy: walk?.greedy ?? 0,
        top_k: walk?.top_k ?? 0,
        top_p: walk?.top_p ?? 1,
        u: walk?.u ?? 0,
        out_index: sample?.outIndex ?? 0,
      },
      [1],
    );
  }

  destroy(): void {
    this.pass1.destroy();
    this.merge.destroy();
    this.gpu.destroyBuffer(this.lists);
    this.gpu.destroyBuffer(this.stats);
    if (this.idsScratch) this.gpu.destroyBuffer(this.idsScratch);
  }
}

import sampleKernel from '../../shaders/sample.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';
import { LOGSUMEXP_OUTPUT_BYTES } from './logsumexp.ts';
import { TOPK_OUTPUT_BYTES } from './topk.ts';
import { linkWgsl } from './wgsl-lib.ts';

const source = linkWgsl(sampleKernel, 'sampleWalk');

export const sampleLayout = new UniformLayout([
  ['greedy', 'u32'],
  ['top_k', 'u32'],
  ['top_p', 'f32'],
  ['inv_temperature', 'f32'],
  ['u', 'f32'],
  ['vocab', 'u32'],
  ['out_index', 'u32'],
] as const);

/** What the GPU sampler needs of the settings: the CPU's, with its draw for this position. */
export interface GpuSampleParams {
  temperature: number;
  topK: number;
  topP: number;
  /** The uniform draw in [0, 1) the CPU sampler uses for this position (ignored when greedy). */
  u: number;
}

/** The walk's uniform fields (shaders/lib/sample_walk.wgsl) for `sample`, checked. */
export function sampleFields(sample: GpuSampleParams): {
  greedy: number;
  top_k: number;
  top_p: number;
  inv_temperature: number;
  u: number;
} {
  const greedy = sample.temperature === 0;
  if (!greedy && !(sample.u >= 0 && sample.u < 1)) {
    throw new RangeError(`sample: the uniform draw must be in [0, 1), got ${sample.u}`);
  }
  return {
    greedy: greedy ? 1 : 0,
    top_k: Math.min(sample.topK, 0xffffffff),
    top_p: sample.topP,
    inv_temperature: greedy ? 1 : 1 / sample.temperature,
    u: greedy ? 0 : sample.u,
  };
}

/**
 * The next token chosen on the GPU from the top-k kernel's candidates and the log-sum-exp
 * stats (see sample.wgsl), written as a u32 at `out[outIndex]`: a guess at what the CPU
 * sampler will choose, so the next step can be queued before this one is read back.
 */
export class SampleCall {
  private readonly call: KernelCall<
    'greedy' | 'top_k' | 'top_p' | 'inv_temperature' | 'u' | 'vocab' | 'out_index'
  >;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: { candidates: GPUBuffer; stats: GPUBuffer; out: GPUBuffer },
  ) {
    if (
      buffers.candidates.size < TOPK_OUTPUT_BYTES ||
      buffers.stats.size < LOGSUMEXP_OUTPUT_BYTES
    ) {
      throw new RangeError(
        `${label}: candidates need ${TOPK_OUTPUT_BYTES} bytes and stats ${LOGSUMEXP_OUTPUT_BYTES}`,
      );
    }
    this.call = new KernelCall(gpu, label, gpu.pipeline('sample', source), sampleLayout, [
      buffers.candidates,
      buffers.stats,
      buffers.out,
    ]);
  }

  encode(
    pass: GPUComputePassEncoder,
    sample: GpuSampleParams,
    sizes: { vocab: number; outIndex: number },
  ): void {
    this.call.encode(
      pass,
      { ...sampleFields(sample), vocab: sizes.vocab, out_index: sizes.outIndex },
      [1],
    );
  }

  destroy(): void {
    this.call.destroy();
  }
}

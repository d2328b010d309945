import source from '../../shaders/logits.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const logitsLayout = new UniformLayout([
  ['C', 'u32'],
  ['V', 'u32'],
] as const);

/** Rows of wte per workgroup of logits.wgsl. */
const ROWS_PER_GROUP = 8;

export interface LogitsBuffers {
  /** f32 [C]: the last position after ln_f. */
  input: GPUBuffer;
  /** Token embedding [V, C] (the tied LM head), f32 words or packed f16 pairs. */
  wte: GPUBuffer;
  /** f32 [V]. */
  out: GPUBuffer;
}

export interface LogitsOptions {
  /** wte holds packed f16 pairs rather than f32 words. */
  weightsF16: boolean;
  /** Per-dimension workgroup limit handed to grid1d; lowered by tests to reach the 2-D grid. */
  maxGroupsPerDim?: number;
}

/** out[v] = dot(x[C], wte[v, :]) for every v < V: the logits of one position. */
export class LogitsCall {
  private readonly call: KernelCall<'C' | 'V'>;
  private readonly bytes: { input: number; wte: number; out: number };
  private readonly maxGroupsPerDim: number;

  constructor(
    gpu: GpuContext,
    readonly label: string,
    buffers: LogitsBuffers,
    private readonly options: LogitsOptions,
  ) {
    const pipeline = gpu.pipeline('logits', source, { WEIGHTS_F16: options.weightsF16 });
    this.call = new KernelCall(gpu, label, pipeline, logitsLayout, [
      buffers.input,
      buffers.wte,
      buffers.out,
    ]);
    this.bytes = { input: buffers.input.size, wte: buffers.wte.size, out: buffers.out.size };
    this.maxGroupsPerDim = options.maxGroupsPerDim ?? 65535;
  }

  encode(pass: GPUComputePassEncoder, sizes: { C: number; V: number }): void {
    const { C, V } = sizes;
    const wteWords = this.options.weightsF16 ? Math.ceil((V * C) / 2) : V * C;
    const need = { input: C * 4, wte: wteWords * 4, out: V * 4 };
    for (const name of ['input', 'wte', 'out'] as const) {
      if (this.bytes[name] < need[name]) {
        throw new RangeError(
          `${this.label}: ${name} buffer has ${this.bytes[name]} bytes, C=${C} V=${V} needs ${need[name]}`,
        );
      }
    }
    this.call.encode(pass, sizes, grid1d(Math.ceil(V / ROWS_PER_GROUP), this.maxGroupsPerDim));
  }

  destroy(): void {
    this.call.destroy();
  }
}

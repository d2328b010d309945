import logsumexpKernel from '../../shaders/logsumexp.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';
import { linkWgsl } from './wgsl-lib.ts';

const source = linkWgsl(logsumexpKernel, 'softmaxPartial');

export const logsumexpLayout = new UniformLayout([
  ['V', 'u32'],
  ['inv_temperature', 'f32'],
] as const);

/** Bytes of the output: max, the two sums and the echoed inv_temperature, as f32. */
export const LOGSUMEXP_OUTPUT_BYTES = 16;

/** The softmax normalisers of one logits row (see logsumexp.wgsl). */
export interface LogitStats {
  /** max over the logits (-inf when none is finite). */
  max: number;
  /** sum exp(l - max): the softmax denominator at temperature 1. */
  sumExp: number;
  /** sum exp((l - max) * invTemperature): the denominator at the sampling temperature. */
  sumExpTemperature: number;
  /** The inverse temperature sumExpTemperature was taken at, when known. */
  invTemperature?: number;
}

/**
 * (max, sum exp(l - max), sum exp((l - max) * inv_temperature), inv_temperature) over
 * logits[0 .. V) into `out` (16 bytes). One workgroup: the row is 200 KB, read once.
 */
export class LogSumExpCall {
  private readonly call: KernelCall<'V' | 'inv_temperature'>;

  constructor(gpu: GpuContext, label: string, buffers: { logits: GPUBuffer; out: GPUBuffer }) {
    if (buffers.out.size < LOGSUMEXP_OUTPUT_BYTES) {
      throw new RangeError(
        `${label}: out buffer holds ${buffers.out.size} bytes, needs ${LOGSUMEXP_OUTPUT_BYTES}`,
      );
    }
    this.call = new KernelCall(gpu, label, gpu.pipeline('logsumexp', source), logsumexpLayout, [
      buffers.logits,
      buffers.out,
    ]);
  }

  /** inv_temperature: 1 / temperature as sampling applies it (pass 1 for greedy). */
  encode(pass: GPUComputePassEncoder, sizes: { V: number; inv_temperature: number }): void {
    if (!(sizes.inv_temperature > 0) || !Number.isFinite(sizes.inv_temperature)) {
      throw new RangeError(
        `logsumexp: inv_temperature must be a finite number > 0, got ${sizes.inv_temperature}`,
      );
    }
    this.call.encode(pass, sizes, [1]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

/** Reads a logsumexp output (LOGSUMEXP_OUTPUT_BYTES at `offset` of `bytes`). */
export function parseLogSumExp(bytes: ArrayBuffer, offset = 0): LogitStats {
  if (bytes.byteLength < offset + LOGSUMEXP_OUTPUT_BYTES) {
    throw new RangeError(
      `parseLogSumExp: needs ${LOGSUMEXP_OUTPUT_BYTES} bytes at offset ${offset}, buffer has ${bytes.byteLength}`,
    );
  }
  const f = new Float32Array(bytes, offset, 4);
  return { max: f[0], sumExp: f[1], sumExpTemperature: f[2], invTemperature: f[3] };
}

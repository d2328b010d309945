import source from '../../shaders/logit_attribution.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const logitAttributionLayout = new UniformLayout([
  ['C', 'u32'],
  ['n', 'u32'],
  ['token', 'u32'],
  ['final_row', 'u32'],
  ['eps', 'f32'],
  ['row_stride', 'u32'],
] as const);

/** The second index of a component that subtracts nothing. */
export const NO_ROW = 0xffffffff;

export interface LogitAttributionSizes {
  C: number;
  /** Components: pairs holds 2n row indices. */
  n: number;
  token: number;
  /** Row of `rows` holding the final residual stream (the sum of the components). */
  final_row: number;
  eps: number;
}

/**
 * out[i] = ((c_i - mean c_i) / sigma * gamma) . wte[token] for components
 * c_i = rows[pairs[2i]] - rows[pairs[2i+1]], sigma frozen at the final row's; out[n] = beta .
 * wte[token] (see logit_attribution.wgsl).
 */
export class LogitAttributionCall {
  private readonly call: KernelCall<keyof LogitAttributionSizes | 'row_stride'>;

  constructor(
    gpu: GpuContext,
    label: string,
    buffers: {
      rows: GPUBuffer;
      pairs: GPUBuffer;
      gamma: GPUBuffer;
      beta: GPUBuffer;
      wte: GPUBuffer;
      out: GPUBuffer;
    },
    options: { weightsF16: boolean },
  ) {
    this.call = new KernelCall(
      gpu,
      label,
      gpu.pipeline('logit_attribution', source, { WEIGHTS_F16: options.weightsF16 }),
      logitAttributionLayout,
      [buffers.rows, buffers.pairs, buffers.gamma, buffers.beta, buffers.wte, buffers.out],
    );
  }

  encode(pass: GPUComputePassEncoder, sizes: LogitAttributionSizes): void {
    const [x, y] = grid1d(sizes.n + 1);
    this.call.encode(pass, { ...sizes, row_stride: x }, [x, y]);
  }

  destroy(): void {
    this.call.destroy();
  }
}

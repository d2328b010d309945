/**
 * A forward hook that copies activations out as the forward computes them: for each chosen
 * point (see forward-hook.ts) and layer, rows pos0 .. pos0 + T - 1 land in that point's
 * capture buffer at rows layer * n + position (n = the positions the buffer holds). For
 * activation patching (a clean run's head outputs and residual stream) and direct logit
 * attribution.
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import { RowsMixCall } from '../kernels/rows-mix.ts';
import type { Gpt2Config } from './config.ts';
import type { ForwardActivations, ForwardHook, HookOp, HookPoint } from './forward-hook.ts';

/** (keep, take) = (0, 1): the copy coefficients, read by every capture call. */
const COPY = new Float32Array([0, 1]);

export class CaptureHook implements ForwardHook {
  /** [layers * n, C] per captured point: resid_pre has nLayer + 1 layers (the last is final). */
  readonly buffers: Partial<Record<HookPoint, GPUBuffer>> = {};
  private readonly coefs: GPUBuffer;
  private readonly calls = new Map<string, RowsMixCall>();

  constructor(
    private readonly gpu: GpuContext,
    private readonly config: Gpt2Config,
    act: ForwardActivations,
    points: readonly HookPoint[],
    /** Positions each layer's capture holds (0 .. n - 1). */
    readonly n: number,
  ) {
    const { nLayer, nEmbd: C } = config;
    this.coefs = gpu.createStorage('capture.coefs', COPY);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    for (const point of points) {
      const layers = point === 'resid_pre' ? nLayer + 1 : nLayer;
      const buffer = gpu.createBuffer(`capture.${point}`, layers * n * C * 4, usage);
      this.buffers[point] = buffer;
      const src = point === 'head_out' ? act.headOutputs : act.residual;
      for (let l = 0; l < layers; l++) {
        this.calls.set(
          `${point}.${l}`,
          new RowsMixCall(gpu, `capture.${point}.${l}`, { x: buffer, src, coefs: this.coefs }),
        );
      }
    }
  }

  ops(point: HookPoint, layer: number, T: number, pos0: number): HookOp[] {
    const call = this.calls.get(`${point}.${layer}`);
    if (!call) return [];
    if (pos0 + T > this.n) {
      throw new RangeError(`capture holds ${this.n} positions; this forward reaches ${pos0 + T}`);
    }
    const C = this.config.nEmbd;
    return [
      {
        kind: 'capture',
        encode: (p) =>
          call.encode(p, {
            rows: T,
            C,
            group: C,
            x_row0: layer * this.n + pos0,
            src_row0: 0,
            src_stride: C,
            coef0: 0,
          }),
      },
    ];
  }

  destroy(): void {
    for (const c of this.calls.values()) c.destroy();
    this.calls.clear();
    for (const b of Object.values(this.buffers)) this.gpu.destroyBuffer(b);
    this.gpu.destroyBuffer(this.coefs);
  }
}

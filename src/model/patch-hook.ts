/**
 * Activation patching as a forward hook: one variant at a time, the forward takes from a
 * clean run's capture (CaptureHook) either one head's output z[l,h] at every position, or the
 * residual stream entering block l at one position. Every variant has its own kernel call
 * (its own uniform), so many patched forwards can be recorded into one command buffer.
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import { RowsMixCall } from '../kernels/rows-mix.ts';
import type { CaptureHook } from './capture-hook.ts';
import type { Gpt2Config } from './config.ts';
import type { ForwardActivations, ForwardHook, HookOp, HookPoint } from './forward-hook.ts';

export type PatchVariant =
  | { kind: 'head'; layer: number; head: number }
  | { kind: 'resid_pre'; layer: number; position: number };

export class PatchHook implements ForwardHook {
  private readonly coefs: GPUBuffer;
  private readonly calls: RowsMixCall[];
  private current = -1;

  constructor(
    private readonly gpu: GpuContext,
    private readonly config: Gpt2Config,
    act: ForwardActivations,
    private readonly clean: CaptureHook,
    readonly variants: readonly PatchVariant[],
  ) {
    const { nHead: NH } = config;
    const z = clean.buffers.head_out;
    const resid = clean.buffers.resid_pre;
    if (!z || !resid) throw new Error('patching needs a capture of head_out and resid_pre');
    // Coefficient sets: set h (h < NH) takes head h and keeps the others; set NH takes a row.
    const coefs = new Float32Array(2 * NH * NH + 2);
    for (let h = 0; h < NH; h++)
      for (let g = 0; g < NH; g++) coefs[2 * NH * h + 2 * g + (g === h ? 1 : 0)] = 1;
    coefs[2 * NH * NH + 1] = 1;
    this.coefs = gpu.createStorage('patch.coefs', coefs);
    this.calls = variants.map(
      (v, i) =>
        new RowsMixCall(gpu, `patch.${i}`, {
          x: v.kind === 'head' ? act.headOutputs : act.residual,
          src: v.kind === 'head' ? z : resid,
          coefs: this.coefs,
        }),
    );
  }

  /** The variant the next recorded forward uses (-1: none). */
  select(i: number): void {
    if (!Number.isInteger(i) || i < -1 || i >= this.variants.length) {
      throw new RangeError(`no patch variant ${i}`);
    }
    this.current = i;
  }

  ops(point: HookPoint, layer: number, T: number, pos0: number): HookOp[] {
    const v = this.variants[this.current];
    if (!v || v.layer !== layer) return [];
    const { nEmbd: C, nHead: NH } = this.config;
    const n = this.clean.n;
    const call = this.calls[this.current];
    if (v.kind === 'head' && point === 'head_out') {
      return [
        {
          kind: 'patch',
          encode: (p) =>
            call.encode(p, {
              rows: T,
              C,
              group: C / NH,
              x_row0: 0,
              src_row0: layer * n + pos0,
              src_stride: C,
              coef0: 2 * NH * v.head,
            }),
        },
      ];
    }
    if (v.kind === 'resid_pre' && point === 'resid_pre') {
      const t = v.position - pos0;
      if (t < 0 || t >= T) return [];
      return [
        {
          kind: 'patch',
          encode: (p) =>
            call.encode(p, {
              rows: 1,
              C,
              group: C,
              x_row0: t,
              src_row0: layer * n + v.position,
              src_stride: C,
              coef0: 2 * NH * NH,
            }),
        },
      ];
    }
    return [];
  }

  destroy(): void {
    for (const c of this.calls) c.destroy();
    this.calls.length = 0;
    this.gpu.destroyBuffer(this.coefs);
  }
}

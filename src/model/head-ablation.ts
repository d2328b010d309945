/**
 * Head ablation as a forward hook: the outputs z[l,h] of chosen heads, before attn.c_proj,
 *   zero   set to 0 at every position,
 *   mean   replaced at every position by their mean over the prompt's positions,
 *   scale  multiplied by a factor (scale 0 is zero ablation).
 * The mean is taken by the first forward from position 0 after the hook is made (or
 * resetMean), over that forward's tokens (the prompt), and then held fixed, so later
 * tokens and the KV cache agree with it.
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import { ColumnMeanCall } from '../kernels/column-mean.ts';
import { RowsMixCall } from '../kernels/rows-mix.ts';
import type { Gpt2Config } from './config.ts';
import type { ForwardActivations, ForwardHook, HookOp, HookPoint } from './forward-hook.ts';

export type AblationMode = 'zero' | 'mean' | 'scale';

export interface HeadRef {
  layer: number;
  head: number;
}

export interface HeadAblation {
  heads: readonly HeadRef[];
  mode: AblationMode;
  /** The factor of 'scale' (finite); ignored by the other modes. */
  scale: number;
}

/** Throws a RangeError naming the problem when `a` does not fit `config`. */
export function checkHeadAblation(a: HeadAblation, config: Gpt2Config): void {
  for (const { layer, head } of a.heads) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= config.nLayer) {
      throw new RangeError(
        `head ${layer}.${head}: layer ${layer} does not exist (this model has layers 0..${config.nLayer - 1})`,
      );
    }
    if (!Number.isInteger(head) || head < 0 || head >= config.nHead) {
      throw new RangeError(
        `head ${layer}.${head}: head ${head} does not exist (this model has heads 0..${config.nHead - 1})`,
      );
    }
  }
  if (a.mode === 'scale' && !Number.isFinite(a.scale)) {
    throw new RangeError(`the ablation scale must be a finite number, got ${a.scale}`);
  }
}

interface LayerAblation {
  coefs: GPUBuffer;
  mix: RowsMixCall;
  mean?: { buffer: GPUBuffer; call: ColumnMeanCall };
}

export class HeadAblationHook implements ForwardHook {
  private readonly layers = new Map<number, LayerAblation>();
  private meanTaken = false;

  constructor(
    private readonly gpu: GpuContext,
    private readonly config: Gpt2Config,
    act: ForwardActivations,
    readonly ablation: HeadAblation,
  ) {
    checkHeadAblation(ablation, config);
    const { nHead: NH, nEmbd: C } = config;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    for (const layer of new Set(ablation.heads.map((h) => h.layer))) {
      // (keep, take) per head: others kept; ablated heads scaled, zeroed, or given the mean.
      const coefs = new Float32Array(2 * NH);
      for (let h = 0; h < NH; h++) coefs[2 * h] = 1;
      for (const { head } of ablation.heads.filter((h) => h.layer === layer)) {
        coefs[2 * head] = ablation.mode === 'scale' ? ablation.scale : 0;
        coefs[2 * head + 1] = ablation.mode === 'mean' ? 1 : 0;
      }
      const coefBuf = gpu.createStorage(`h.${layer}.ablation.coefs`, coefs);
      let mean: LayerAblation['mean'];
      if (ablation.mode === 'mean') {
        const buffer = gpu.createBuffer(`h.${layer}.ablation.mean`, C * 4, usage);
        mean = {
          buffer,
          call: new ColumnMeanCall(gpu, `h.${layer}.ablation.mean`, {
            x: act.headOutputs,
            out: buffer,
          }),
        };
      }
      const mix = new RowsMixCall(gpu, `h.${layer}.ablation`, {
        x: act.headOutputs,
        src: mean?.buffer ?? coefBuf,
        coefs: coefBuf,
      });
      this.layers.set(layer, { coefs: coefBuf, mix, mean });
    }
  }

  /** The next forward from position 0 takes the means again (a new prompt). */
  resetMean(): void {
    this.meanTaken = false;
  }

  ops(point: HookPoint, layer: number, T: number, pos0: number): HookOp[] {
    const L = point === 'head_out' ? this.layers.get(layer) : undefined;
    if (!L) return [];
    const { nEmbd: C, nHead: NH } = this.config;
    const ops: HookOp[] = [];
    if (L.mean) {
      if (pos0 === 0 && !this.meanTaken) {
        const mean = L.mean;
        ops.push({ kind: 'ablation', encode: (p) => mean.call.encode(p, { rows: T, C }) });
        // The last ablated layer of this forward has taken its mean: hold them from now on.
        if (layer === Math.max(...this.layers.keys())) this.meanTaken = true;
      } else if (!this.meanTaken) {
        throw new Error(
          `mean ablation needs the prompt's means first: run the prompt from position 0 (this forward starts at ${pos0})`,
        );
      }
    }
    ops.push({
      kind: 'ablation',
      encode: (p) =>
        L.mix.encode(p, {
          rows: T,
          C,
          group: C / NH,
          x_row0: 0,
          src_row0: 0,
          src_stride: 0,
          coef0: 0,
        }),
    });
    return ops;
  }

  destroy(): void {
    for (const L of this.layers.values()) {
      L.mix.destroy();
      this.gpu.destroyBuffer(L.coefs);
      if (L.mean) {
        L.mean.call.destroy();
        this.gpu.destroyBuffer(L.mean.buffer);
      }
    }
    this.layers.clear();
  }
}

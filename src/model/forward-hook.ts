/**
 * A hook adds kernels at fixed points of the forward pass, to read or change activations
 * (interventions, activation patching, capturing rows for attribution). Names as in
 * TransformerLens: for block l,
 *   resid_pre  the residual stream entering the block, before ln_1 (layer nLayer: the final
 *              residual stream, before ln_f)
 *   head_out   the heads' outputs z [T, C] (head h in columns h*HS ..), before attn.c_proj
 *   resid_mid  the residual stream after the attention's c_proj is added, before ln_2
 * The buffers at those points are Gpt2Model.activations: rows 0 .. T-1 hold positions
 * pos0 .. pos0 + T - 1 of this forward.
 */
export type HookPoint = 'resid_pre' | 'head_out' | 'resid_mid';

export interface HookOp {
  /** Kernel kind, for the timing breakdown. */
  kind: string;
  encode: (pass: GPUComputePassEncoder) => void;
}

export interface ForwardHook {
  ops(point: HookPoint, layer: number, T: number, pos0: number): HookOp[];
}

/** The activation buffers hooks work on: f32, row t = position pos0 + t of the forward. */
export interface ForwardActivations {
  /** [P, C], the residual stream (resid_pre / resid_mid, depending on the point). */
  residual: GPUBuffer;
  /** [P, C], the heads' outputs z before attn.c_proj. */
  headOutputs: GPUBuffer;
  /** [V], the logits of the forward's last position (after the forward). */
  logits: GPUBuffer;
}

/** Several hooks in one: at each point, each hook's kernels in order. */
export function composeHooks(...hooks: (ForwardHook | null)[]): ForwardHook {
  const present = hooks.filter((h): h is ForwardHook => h !== null);
  return { ops: (point, layer, T, pos0) => present.flatMap((h) => h.ops(point, layer, T, pos0)) };
}

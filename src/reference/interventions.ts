/**
 * Interventions on the CPU reference, as hooks of gpt2ForwardRef: head ablation, activation
 * patching and direct logit attribution, with the definitions of src/inspect/ (the readable
 * spec the GPU versions are tested against).
 */
import type { HeadAblation } from '../model/head-ablation.ts';
import {
  gpt2ForwardRef,
  type Gpt2RefConfig,
  type Gpt2RefHooks,
  type Gpt2RefWeights,
} from './gpt2.ts';
import { headProjRef } from './head-proj.ts';
import { logitAttributionRef } from './logit-attribution.ts';

/**
 * Hooks that ablate heads. Mean ablation uses, for each head, the mean of its output over the
 * first `meanOver` positions (the prompt; default: all positions of the forward).
 */
export function headAblationHooks(
  cfg: Gpt2RefConfig,
  a: HeadAblation,
  meanOver?: number,
): Gpt2RefHooks {
  const { nEmbd: C, nHead: NH } = cfg;
  const HS = C / NH;
  return {
    headOutputs: (layer, z) => {
      const T = z.length / C;
      const n = meanOver ?? T;
      for (const { head } of a.heads.filter((h) => h.layer === layer)) {
        for (let d = head * HS; d < (head + 1) * HS; d++) {
          let mean = 0;
          for (let t = 0; t < n; t++) mean += z[t * C + d];
          mean /= n;
          for (let t = 0; t < T; t++) {
            z[t * C + d] =
              a.mode === 'mean' ? mean : a.mode === 'scale' ? a.scale * z[t * C + d] : 0;
          }
        }
      }
    },
  };
}

/** Last-position logits [V] of `ids` under `hooks`. */
export function lastLogitsRef(
  cfg: Gpt2RefConfig,
  w: Gpt2RefWeights,
  ids: readonly number[],
  hooks: Gpt2RefHooks = {},
): Float64Array {
  const V = cfg.vocabSize;
  return gpt2ForwardRef(cfg, w, ids, undefined, hooks).slice((ids.length - 1) * V);
}

export interface PatchingRef {
  cleanLd: number;
  corruptLd: number;
  /** [L][H]; null when LD_clean = LD_corrupt. */
  heads: (number | null)[][];
  /** [L][T]: resid_pre of block l at position p from the clean run. */
  positions: (number | null)[][];
  /** The patched runs' LD, [L][H] and [L][T]. */
  headsLd: number[][];
  positionsLd: number[][];
}

/**
 * Activation patching: the corrupted prompt run with one head's output (at every position), or
 * one (block input, position) of the residual stream, taken from the clean run;
 * effect = (LD_patched - LD_corrupt) / (LD_clean - LD_corrupt), LD = logit(right) - logit(wrong).
 */
export function patchingRef(
  cfg: Gpt2RefConfig,
  w: Gpt2RefWeights,
  clean: readonly number[],
  corrupt: readonly number[],
  right: number,
  wrong: number,
): PatchingRef {
  const { nLayer: L, nHead: NH, nEmbd: C } = cfg;
  const HS = C / NH;
  const T = clean.length;
  const z: Float64Array[] = [];
  const resid: Float64Array[] = [];
  const ld = (logits: Float64Array) => logits[right] - logits[wrong];
  const cleanLd = ld(
    lastLogitsRef(cfg, w, clean, {
      headOutputs: (l, a) => (z[l] = a.slice()),
      residPre: (l, x) => (resid[l] = x.slice()),
    }),
  );
  const corruptLd = ld(lastLogitsRef(cfg, w, corrupt));
  const effect = (patched: number) =>
    cleanLd === corruptLd ? null : (patched - corruptLd) / (cleanLd - corruptLd);
  const headsLd = Array.from({ length: L }, (_, l) =>
    Array.from({ length: NH }, (_, h) =>
      ld(
        lastLogitsRef(cfg, w, corrupt, {
          headOutputs: (layer, a) => {
            if (layer !== l) return;
            for (let t = 0; t < T; t++)
              for (let d = h * HS; d < (h + 1) * HS; d++) a[t * C + d] = z[l][t * C + d];
          },
        }),
      ),
    ),
  );
  const positionsLd = Array.from({ length: L }, (_, l) =>
    Array.from({ length: T }, (_, p) =>
      ld(
        lastLogitsRef(cfg, w, corrupt, {
          residPre: (layer, x) => {
            if (layer !== l) return;
            for (let c = 0; c < C; c++) x[p * C + c] = resid[l][p * C + c];
          },
        }),
      ),
    ),
  );
  return {
    cleanLd,
    corruptLd,
    heads: headsLd.map((row) => row.map(effect)),
    positions: positionsLd.map((row) => row.map(effect)),
    headsLd,
    positionsLd,
  };
}

export interface DlaRef {
  logit: number;
  beta: number;
  parts: { name: string; value: number }[];
}

/**
 * Direct logit attribution of `token` at the last position of `ids`: the final residual
 * stream split into the embeddings, each head's z @ W_O slice, each layer's attn.c_proj bias
 * and each MLP's output, each through ln_f with sigma frozen, dotted with wte[token].
 */
export function dlaRef(
  cfg: Gpt2RefConfig,
  w: Gpt2RefWeights,
  ids: readonly number[],
  token: number,
): DlaRef {
  const { nEmbd: C, nHead: NH, vocabSize: V } = cfg;
  const T = ids.length;
  const last = (a: Float64Array) => a.slice((T - 1) * C, T * C);
  const comps: { name: string; value: ArrayLike<number> }[] = [];
  const residuals: Float64Array[] = [];
  const logits = gpt2ForwardRef(cfg, w, ids, residuals, {
    headOutputs: (l, z) => {
      const perHead = headProjRef(last(z), w.blocks[l].projW, C, NH);
      for (let h = 0; h < NH; h++)
        comps.push({ name: `L${l}H${h}`, value: perHead.subarray(h * C, (h + 1) * C) });
      comps.push({ name: `L${l}.attn_bias`, value: w.blocks[l].projB });
    },
    mlpOut: (l, m) => comps.push({ name: `L${l}.mlp`, value: last(m) }),
  });
  comps.unshift({ name: 'embed', value: last(residuals[0]) });
  const x = last(residuals[residuals.length - 1]);
  const r = logitAttributionRef(
    comps.map((c) => c.value),
    x,
    w.lnFg,
    w.lnFb,
    w.wte.subarray(token * C, (token + 1) * C),
    cfg.layerNormEpsilon,
  );
  return {
    logit: logits[(T - 1) * V + token],
    beta: r.beta,
    parts: comps.map((c, i) => ({ name: c.name, value: r.dla[i] })),
  };
}

/**
 * The whole GPT-2 forward pass on the CPU, plainly: the readable spec the GPU model is tested
 * against. Float64 accumulation; weights as Float32Arrays in the hub's layout (Conv1D
 * matrices are [in, out]).
 */
import type { Gpt2Config } from '../model/config.ts';

/** The shape fields of a GPT-2 config.json, as the model uses them. */
export type Gpt2RefConfig = Gpt2Config;

export interface Gpt2RefBlock {
  ln1g: Float32Array;
  ln1b: Float32Array;
  attnW: Float32Array; // [C, 3C]
  attnB: Float32Array; // [3C]
  projW: Float32Array; // [C, C]
  projB: Float32Array;
  ln2g: Float32Array;
  ln2b: Float32Array;
  fcW: Float32Array; // [C, nInner]
  fcB: Float32Array;
  fc2W: Float32Array; // [nInner, C]
  fc2B: Float32Array;
}

export interface Gpt2RefWeights {
  wte: Float32Array; // [V, C]
  wpe: Float32Array; // [P, C]
  blocks: Gpt2RefBlock[];
  lnFg: Float32Array;
  lnFb: Float32Array;
}

function layerNorm(
  x: Float64Array,
  T: number,
  C: number,
  g: Float32Array,
  b: Float32Array,
  eps: number,
) {
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[t * C + c];
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[t * C + c] - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) out[t * C + c] = (x[t * C + c] - mean) * rstd * g[c] + b[c];
  }
  return out;
}

function linear(
  x: Float64Array,
  T: number,
  K: number,
  W: Float32Array,
  bias: Float32Array,
  N: number,
) {
  const out = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) out[t * N + n] = bias[n];
    for (let k = 0; k < K; k++) {
      const xv = x[t * K + k];
      for (let n = 0; n < N; n++) out[t * N + n] += xv * W[k * N + n];
    }
  }
  return out;
}

const geluTanh = (x: number) =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

/**
 * Places to read or change the forward pass (the interventions of src/reference/interventions.ts).
 * Arrays passed to a hook are the pass's own: changing them in place changes what follows.
 */
export interface Gpt2RefHooks {
  /** Block `layer`'s input, the residual stream before ln_1 (resid_pre): [T, C]. */
  residPre?: (layer: number, x: Float64Array) => void;
  /** Attention probabilities of one head: [T, T], row i = where query i attends. */
  attentionProbs?: (layer: number, head: number, probs: Float64Array) => void;
  /** The heads' outputs z before attn.c_proj: [T, C], head h in columns h*HS .. (h+1)*HS - 1. */
  headOutputs?: (layer: number, z: Float64Array) => void;
  /** The MLP's output [T, C] (its c_proj bias included), before it is added to the residual. */
  mlpOut?: (layer: number, m: Float64Array) => void;
}

/** Logits [T, V] for every position of `ids` (positions 0..T-1). */
export function gpt2ForwardRef(
  cfg: Gpt2RefConfig,
  w: Gpt2RefWeights,
  ids: readonly number[],
  /** When given, receives the residual stream [T, C] after the embedding and after each block. */
  residuals?: Float64Array[],
  hooks: Gpt2RefHooks = {},
): Float64Array {
  const { nEmbd: C, nHead: NH, vocabSize: V, nInner, layerNormEpsilon: eps } = cfg;
  const T = ids.length;
  const HS = C / NH;
  const x = new Float64Array(T * C);
  for (let t = 0; t < T; t++)
    for (let c = 0; c < C; c++) x[t * C + c] = w.wte[ids[t] * C + c] + w.wpe[t * C + c];
  residuals?.push(x.slice());
  w.blocks.forEach((b, l) => {
    hooks.residPre?.(l, x);
    const h = layerNorm(x, T, C, b.ln1g, b.ln1b, eps);
    const qkv = linear(h, T, C, b.attnW, b.attnB, 3 * C);
    const att = new Float64Array(T * C);
    const scores = new Float64Array(T);
    for (let hd = 0; hd < NH; hd++) {
      const probs = hooks.attentionProbs ? new Float64Array(T * T) : null;
      for (let t = 0; t < T; t++) {
        let max = -Infinity;
        for (let j = 0; j <= t; j++) {
          let s = 0;
          for (let d = 0; d < HS; d++)
            s += qkv[t * 3 * C + hd * HS + d] * qkv[j * 3 * C + C + hd * HS + d];
          scores[j] = s / Math.sqrt(HS);
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j <= t; j++) sum += scores[j] = Math.exp(scores[j] - max);
        if (probs) for (let j = 0; j <= t; j++) probs[t * T + j] = scores[j] / sum;
        for (let d = 0; d < HS; d++) {
          let acc = 0;
          for (let j = 0; j <= t; j++) acc += scores[j] * qkv[j * 3 * C + 2 * C + hd * HS + d];
          att[t * C + hd * HS + d] = acc / sum;
        }
      }
      if (probs) hooks.attentionProbs?.(l, hd, probs);
    }
    hooks.headOutputs?.(l, att);
    const proj = linear(att, T, C, b.projW, b.projB, C);
    for (let i = 0; i < T * C; i++) x[i] += proj[i];
    const h2 = layerNorm(x, T, C, b.ln2g, b.ln2b, eps);
    const fc = linear(h2, T, C, b.fcW, b.fcB, nInner);
    for (let i = 0; i < fc.length; i++) fc[i] = geluTanh(fc[i]);
    const fc2 = linear(fc, T, nInner, b.fc2W, b.fc2B, C);
    hooks.mlpOut?.(l, fc2);
    for (let i = 0; i < T * C; i++) x[i] += fc2[i];
    residuals?.push(x.slice());
  });
  return tiedLogits(layerNorm(x, T, C, w.lnFg, w.lnFb, eps), T, C, V, w.wte);
}

/** Logits [T, V] of final-layernormed rows through the tied embedding. */
function tiedLogits(
  xf: Float64Array,
  T: number,
  C: number,
  V: number,
  wte: Float32Array,
): Float64Array {
  const logits = new Float64Array(T * V);
  for (let t = 0; t < T; t++)
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += xf[t * C + c] * wte[v * C + c];
      logits[t * V + v] = s;
    }
  return logits;
}

/** What residual row `x` [C] predicts through ln_f and the tied embedding (the logit lens). */
export function logitLensRef(cfg: Gpt2RefConfig, w: Gpt2RefWeights, x: Float64Array): Float64Array {
  return tiedLogits(
    layerNorm(x, 1, cfg.nEmbd, w.lnFg, w.lnFb, cfg.layerNormEpsilon),
    1,
    cfg.nEmbd,
    cfg.vocabSize,
    w.wte,
  );
}

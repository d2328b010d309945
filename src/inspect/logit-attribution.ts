/**
 * Direct logit attribution on the GPU: which components of the final residual stream push the
 * logit of a token up or down at the last position. The final residual x is the sum of the
 * embeddings, each head's z[l,h] @ W_O[l][h*HS:(h+1)*HS, :], each layer's attn.c_proj bias and
 * each MLP's output; through ln_f with sigma frozen at its value for x,
 *   DLA(c) = ((c - mean(c)) / sigma * gamma) . wte[token],
 * and the DLAs plus beta . wte[token] sum to the token's logit.
 * Under an intervention (head ablation) it attributes the intervened model's logit.
 * One forward captures the rows (CaptureHook); head_proj splits each layer's attention output
 * by head; logit_attribution does the rest; one readback.
 */
import type { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { HeadProjCall } from '../kernels/head-proj.ts';
import { LogitAttributionCall, NO_ROW } from '../kernels/logit-attribution.ts';
import { CaptureHook } from '../model/capture-hook.ts';
import { composeHooks } from '../model/forward-hook.ts';

export interface LogitAttribution {
  ids: number[];
  tokenId: number;
  /** The token's logit at the last position, as the forward computed it. */
  logit: number;
  /** beta . wte[token]: ln_f's bias, the part no component owns. */
  beta: number;
  /** "embed", then per layer "L{l}H{h}" for each head, "L{l}.attn_bias", "L{l}.mlp". */
  parts: { name: string; value: number }[];
}

export async function directLogitAttribution(
  engine: Gpt2Engine,
  ids: readonly number[],
  tokenId: number,
): Promise<LogitAttribution> {
  const { gpu, model, weights } = engine;
  const cfg = engine.config;
  const { nLayer: L, nHead: NH, nEmbd: C, vocabSize: V, layerNormEpsilon: eps } = cfg;
  if (ids.length === 0) throw new RangeError('direct logit attribution needs at least one token');
  if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= V) {
    throw new RangeError(`token id ${tokenId} is outside the vocabulary (0..${V - 1})`);
  }
  const T = ids.length;
  const f16 = weights.storage === 'f16';
  // Rows: resid_pre 0..L (L: final), resid_mid 0..L-1, each head's share, each c_proj bias.
  const PRE = 0;
  const MID = L + 1;
  const HEADS = MID + L;
  const BIAS = HEADS + L * NH;
  const nRows = BIAS + L;
  const names: string[] = ['embed'];
  const pairs: number[] = [PRE, NO_ROW];
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < NH; h++) {
      names.push(`L${l}H${h}`);
      pairs.push(HEADS + l * NH + h, NO_ROW);
    }
    names.push(`L${l}.attn_bias`);
    pairs.push(BIAS + l, NO_ROW);
    names.push(`L${l}.mlp`);
    pairs.push(PRE + l + 1, MID + l);
  }
  const n = names.length;
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const previous = model.forwardHook;
  const capture = new CaptureHook(
    gpu,
    cfg,
    model.activations,
    ['resid_pre', 'resid_mid', 'head_out'],
    T,
  );
  const rows = gpu.createBuffer('dla.rows', nRows * C * 4, storage);
  const pairBuf = gpu.createStorage('dla.pairs', new Uint32Array(pairs));
  const out = gpu.createBuffer('dla.out', (n + 2) * 4, storage);
  const headProj = weights.blocks.map(
    (b, l) =>
      new HeadProjCall(
        gpu,
        `h.${l}.dla.head_proj`,
        { z: capture.buffers.head_out!, weight: b.attnProj.weight, out: rows },
        { weightsF16: f16, rowPerOutput: weights.layout === 'row-per-output' },
      ),
  );
  const dla = new LogitAttributionCall(
    gpu,
    'dla',
    {
      rows,
      pairs: pairBuf,
      gamma: weights.lnF.gamma,
      beta: weights.lnF.beta,
      wte: weights.wte,
      out,
    },
    { weightsF16: f16 },
  );
  try {
    const encoder = gpu.device.createCommandEncoder({ label: 'dla' });
    // After the engine's intervention, if any: the attribution is of the intervened model.
    model.setForwardHook(composeHooks(previous, capture));
    model.encodeForward(encoder, ids, 0);
    const last = (point: 'resid_pre' | 'resid_mid', l: number, row: number) =>
      encoder.copyBufferToBuffer(
        capture.buffers[point]!,
        (l * T + T - 1) * C * 4,
        rows,
        row * C * 4,
        C * 4,
      );
    for (let l = 0; l <= L; l++) last('resid_pre', l, PRE + l);
    for (let l = 0; l < L; l++) {
      last('resid_mid', l, MID + l);
      encoder.copyBufferToBuffer(
        weights.blocks[l].attnProj.bias,
        0,
        rows,
        (BIAS + l) * C * 4,
        C * 4,
      );
    }
    const pass = encoder.beginComputePass({ label: 'dla' });
    headProj.forEach((call, l) =>
      call.encode(pass, { C, NH, z_row: l * T + T - 1, out_row0: HEADS + l * NH }),
    );
    dla.encode(pass, { C, n, token: tokenId, final_row: PRE + L, eps });
    pass.end();
    encoder.copyBufferToBuffer(model.activations.logits, tokenId * 4, out, (n + 1) * 4, 4);
    gpu.device.queue.submit([encoder.finish()]);
    const values = await gpu.readF32(out, 0, n + 2);
    return {
      ids: [...ids],
      tokenId,
      logit: values[n + 1],
      beta: values[n],
      parts: names.map((name, i) => ({ name, value: values[i] })),
    };
  } finally {
    model.setForwardHook(previous);
    engine.dropCache();
    for (const c of headProj) c.destroy();
    dla.destroy();
    capture.destroy();
    for (const b of [rows, pairBuf, out]) gpu.destroyBuffer(b);
  }
}

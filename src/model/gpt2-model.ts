import {
  attachRecorder,
  DispatchRecorder,
  dryRunPass,
  type DispatchRecord,
} from '../gpu/dispatch-recorder.ts';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { PassTimer } from '../gpu/pass-timer.ts';
import { AttentionCall } from '../kernels/attention.ts';
import { AttentionProbsCall } from '../kernels/attention-probs.ts';
import { AttentionV2Call, attentionV2Supports } from '../kernels/attention-v2.ts';
import {
  AttentionSplitCall,
  attentionPartialsFloats,
  attentionSplits,
  attentionSplitServes,
} from '../kernels/attention-split.ts';
import { EmbeddingCall } from '../kernels/embedding.ts';
import { KvWriteCall } from '../kernels/kv-write.ts';
import { LayerNormCall } from '../kernels/layernorm.ts';
import { LayerNormV2Call, layernormV2Supports } from '../kernels/layernorm-v2.ts';
import { LinearCall, type PrefillMatmul } from '../kernels/linear.ts';
import { LogitsCall } from '../kernels/logits.ts';
import { SPLIT_K_PARTIAL_FLOATS } from '../kernels/matmul-v2.ts';
import {
  MatvecV2Call,
  matvecV2Geometry as matvecGeometry,
  type KernelShape,
  type MatvecPrologue,
} from '../kernels/matvec-v2.ts';
import { TopKLseCall } from '../kernels/topk-v2.ts';
import {
  LogSumExpCall,
  LOGSUMEXP_OUTPUT_BYTES,
  parseLogSumExp,
  type LogitStats,
} from '../kernels/logsumexp.ts';
import { SampleCall, sampleFields, type GpuSampleParams } from '../kernels/sample.ts';
import { TopKCall, type Candidate, TOPK_OUTPUT_BYTES, parseCandidates } from '../kernels/topk.ts';
import type { Gpt2Config } from './config.ts';
import { ContextFullError } from './context-full-error.ts';
import type { ForwardActivations, ForwardHook, HookPoint } from './forward-hook.ts';
import type { Gpt2Weights } from './weights.ts';

/** What one forward pass sends back to the CPU: enough to sample the next token. */
export interface StepReadback {
  /** The top CANDIDATES logits at the last position, sorted descending (ties: lower id). */
  candidates: Candidate[];
  /** Over the whole vocabulary: max logit, sum exp(l - max), sum exp((l - max) / temperature). */
  lse: LogitStats;
  /** GPU work of this step as recorded: submits, dispatches, bytes read back. */
  stats: StepStats;
  /** The token the GPU sampler chose (when the step was asked to sample; see ForwardOptions). */
  gpuToken?: number;
  /**
   * Reads this step's full logits back (4 x sampleVocab bytes), for when the candidates
   * cannot decide. A step that sampled on the GPU keeps a copy, so they can be read while
   * the step after it runs; any other step's logits last until the next forward.
   */
  readLogits: () => Promise<Float32Array>;
}

export type { GpuSampleParams };

export interface StepStats {
  submits: number;
  dispatches: number;
  readbackBytes: number;
  /** Weight bytes the kernels of this step read (each matrix once, the LM head's wte once). */
  weightBytes: number;
  /** Wall time from encoding to the readback being mapped. */
  ms: number;
  /** GPU time per kind of kernel (ms), when profiling on an adapter with timestamp-query. */
  kernelMs?: Record<string, number>;
}

/** What one layer's residual stream predicts at a position (layer 0: the embeddings). */
export interface LogitLensRow {
  layer: number;
  candidates: { id: number; logit: number; prob: number }[];
}

/**
 * Kernels of a decode step (T = 1). v1: the baselines (matvec.wgsl on Conv1D [K, N] weights,
 * separate layernorm, kv_write, one-workgroup-per-head attention, three top-k rounds and a
 * single-workgroup log-sum-exp: 8 dispatches per layer). v2: matvec_v2.wgsl on weights held
 * row per output, ln_1/ln_2 and the KV write folded into c_attn/c_fc, flash-decoding attention
 * combined in c_proj's prologue, top-k and log-sum-exp in one pass and a merge (5 per layer
 * plus 4). Chosen at load: it decides the weights' layout.
 */
export type DecodeKernels = 'v1' | 'v2';

export type { KernelShape };

/**
 * The decode kernels a load picks when not told: v2 on a GPU; v1 on a fallback (CPU)
 * adapter, where v2 measured slower (README, "Decode v2").
 */
export function defaultDecodeKernels(capabilities: { fallbackAdapter: boolean }): DecodeKernels {
  return capabilities.fallbackAdapter ? 'v1' : 'v2';
}

export interface Gpt2ModelOptions {
  /**
   * Geometry of the kernels (default: 'cpu' on a fallback adapter, else 'gpu'). A dry run
   * may ask for 'gpu' to record what a GPU would run.
   */
  shape?: KernelShape;
  /**
   * Ids at or above this are never candidates nor sampled (default: the whole vocabulary).
   * A checkpoint padded past its tokenizer (nanoGPT's 50304) has rows no text belongs to.
   */
  sampleVocab?: number;
}

export interface ForwardOptions {
  /**
   * Time each kernel with timestamp queries (one pass per kernel; slower). Each step in
   * flight has a timer of its own, so pipelined steps are timed too.
   */
  profile?: boolean;
  /** Told every dispatch of the step as it is encoded (kernel, workgroups, sizes). */
  recorder?: DispatchRecorder;
  /**
   * Also choose the next token on the GPU with these settings and draw, and leave it where
   * `forwardSampled` reads its token: the next step can then be queued before this one is
   * read back (pipelined decode). The readback carries the choice as `gpuToken`.
   */
  sample?: GpuSampleParams;
}

/** Steps that may be queued at once: the one being read back and the one after it. */
export const MAX_STEPS_IN_FLIGHT = 2;
/** Where a step's readback holds the GPU sampler's token, after the candidates and stats. */
const TOKEN_OFFSET = TOPK_OUTPUT_BYTES + LOGSUMEXP_OUTPUT_BYTES;
const STEP_READBACK_BYTES = TOKEN_OFFSET + 4;

/** One kernel of the forward pass; `snapshot` marks where the residual stream is complete. */
interface Op {
  kind: string;
  encode: (pass: GPUComputePassEncoder) => void;
  snapshot?: number;
}

/** One layer's kernels at decode with the v2 kernels (weights held row per output). */
interface DecodeCalls {
  /** ln_1 folded in; writes q, k, v straight into the caches at the position. */
  qkv: MatvecV2Call;
  /** Flash-decoding partials, combined in attnProjCombine's prologue (null: heads it cannot serve). */
  split: AttentionSplitCall | null;
  attnProjCombine: MatvecV2Call | null;
  /** c_proj on the heads' outputs z as v1 attention writes them (hooks at head_out need z). */
  attnProj: MatvecV2Call;
  /** ln_2 folded in, GELU in the epilogue. */
  fc: MatvecV2Call;
  fcProj: MatvecV2Call;
}

interface LayerCalls {
  ln1: LayerNormCall;
  /** ln_1 and ln_2 of a prefill (T > 1), when C suits it. */
  ln1V2: LayerNormV2Call | null;
  ln2V2: LayerNormV2Call | null;
  qkv: LinearCall;
  kvWrite: KvWriteCall;
  attention: AttentionCall;
  /** Prefill attention (T > 1) when the head size suits it; v1 serves decode and the rest. */
  attentionV2: AttentionV2Call | null;
  attnProj: LinearCall;
  ln2: LayerNormCall;
  fc: LinearCall;
  fcProj: LinearCall;
}

/**
 * GPT-2 on the GPU: activations, the KV cache (with the queries kept beside it so attention
 * maps can be recomputed exactly), and the forward pass. One call to `forward` encodes every
 * kernel of the step into a single command buffer, submits it once and reads back only the
 * sampling candidates.
 */
export class Gpt2Model {
  readonly config: Gpt2Config;
  /** Logits 0 .. sampleVocab - 1 are the ones candidates, normalisers and readbacks cover. */
  readonly sampleVocab: number;
  /** Tokens whose keys and values are in the cache (the next position to write). */
  private cached = 0;
  private readonly buffers: GPUBuffer[] = [];
  private readonly ids: GPUBuffer;
  private readonly x: GPUBuffer; // [P, C] residual stream
  private readonly h: GPUBuffer; // [P, C] layernorm output
  private readonly qkv: GPUBuffer; // [P, 3C]
  private readonly att: GPUBuffer; // [P, C]
  private readonly fcOut: GPUBuffer; // [P, nInner]
  private readonly last: GPUBuffer; // [C] ln_f of the last row
  private readonly logits: GPUBuffer; // [V]
  private readonly candidatesBuf: GPUBuffer;
  private readonly lseBuf: GPUBuffer;
  /** Readback buffers of the steps in flight, one each; the rest wait here. */
  private readonly freeStaging: GPUBuffer[] = [];
  private readonly q: GPUBuffer[] = [];
  private readonly k: GPUBuffer[] = [];
  private readonly v: GPUBuffer[] = [];
  private readonly embedding: EmbeddingCall;
  private readonly layers: LayerCalls[] = [];
  private readonly lnF: LayerNormCall;
  private readonly head: LogitsCall;
  private readonly topk: TopKCall;
  private readonly logsumexp: LogSumExpCall;
  /** Chooses the next token on the GPU into ids[0], for a pipelined next step. */
  private readonly sampler: SampleCall;
  /** The v2 decode kernels (null with v1): per layer, then the LM head and sampling support. */
  private readonly decodeLayers: DecodeCalls[] | null = null;
  private readonly headV2: MatvecV2Call | null = null;
  private readonly topkV2: TopKLseCall | null = null;
  /** Kernels of a decode step (T = 1); fixed by the weights' layout. */
  readonly decodeKernels: DecodeKernels;
  /** What the kernels' geometry is shaped for. */
  readonly shape: KernelShape;
  private readonly weightBytesPerStep: number;
  /** KV cache bytes per token: a key and a value row (f32, C wide) in every layer. */
  readonly kvBytesPerToken: number;
  /** Forwards submitted whose readback has not finished (at most MAX_STEPS_IN_FLIGHT). */
  private inFlight = 0;
  /**
   * Copies of the logits of the last two steps that sampled on the GPU (alternating), so a
   * step's logits can still be read while the one queued after it overwrites `logits`.
   */
  private readonly keptLogits: GPUBuffer[] = [];
  private keptSlot = 0;
  /** Told when the last step in flight has been read back. */
  private idleWaiters: (() => void)[] = [];
  /** ids[0] holds the token the GPU sampler of the last step queued chose. */
  private idsSampled = false;
  /** Other work on the model (logit lens, sweeps) is running: no forward may start. */
  private busy = false;
  /**
   * Kernels of a prefill (T > 1), matmul, attention and layernorm: v2, or the v1 baselines,
   * kept runnable so that benchmarks can time both on the same model in one run.
   */
  prefillKernels: PrefillMatmul = 'v2';
  /** One timer per step that may be in flight (none without timestamp-query); the free ones. */
  private readonly timers: PassTimer[] = [];
  private readonly freeTimers: PassTimer[] = [];
  /** Residual stream of one position after the embedding and after each block: [L+1, C]. */
  private readonly lensRows: GPUBuffer;
  private readonly lensNorm: LayerNormCall;
  /** Scratch for the cache rows a logit-lens recomputation must leave untouched. */
  private readonly cacheBackup: GPUBuffer;
  /** Kernels added at fixed points of every forward (interventions); see forward-hook.ts. */
  private hook: ForwardHook | null = null;

  constructor(
    private readonly gpu: GpuContext,
    readonly weights: Gpt2Weights,
    options: Gpt2ModelOptions = {},
  ) {
    const cfg = (this.config = weights.config);
    this.sampleVocab = Math.min(cfg.vocabSize, options.sampleVocab ?? cfg.vocabSize);
    const { nEmbd: C, nPositions: P, vocabSize: V, nInner } = cfg;
    const f16 = weights.storage === 'f16';
    const rowPerOutput = weights.layout === 'row-per-output';
    this.decodeKernels = rowPerOutput ? 'v2' : 'v1';
    const shape = (this.shape =
      options.shape ?? (gpu.capabilities.fallbackAdapter ? 'cpu' : 'gpu'));
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buf = (label: string, floats: number) => {
      const b = gpu.createBuffer(label, floats * 4, storage);
      this.buffers.push(b);
      return b;
    };
    this.ids = buf('ids', P);
    this.x = buf('residual', P * C);
    this.h = buf('ln_out', P * C);
    this.qkv = buf('qkv', P * 3 * C);
    this.att = buf('attn_out', P * C);
    this.fcOut = buf('mlp_fc_out', P * nInner);
    this.last = buf('ln_f_last', C);
    this.logits = buf('logits', V);
    this.keptLogits.push(buf('logits.kept.0', V), buf('logits.kept.1', V));
    this.candidatesBuf = gpu.createBuffer('candidates', TOPK_OUTPUT_BYTES, storage);
    this.lseBuf = buf('logsumexp', 4);
    this.buffers.push(this.candidatesBuf);
    for (let i = 0; i < MAX_STEPS_IN_FLIGHT; i++) {
      const staging = gpu.createBuffer(
        `step.readback.${i}`,
        STEP_READBACK_BYTES,
        GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      );
      this.buffers.push(staging);
      this.freeStaging.push(staging);
    }

    this.embedding = new EmbeddingCall(
      gpu,
      'embedding',
      { ids: this.ids, wte: weights.wte, wpe: weights.wpe, out: this.x },
      { weightsF16: f16 },
    );
    this.kvBytesPerToken = 2 * cfg.nLayer * C * 4;
    // One scratch for every split-K matmul: they run one after another.
    const partials = buf('matmul.split_k_partials', SPLIT_K_PARTIAL_FLOATS);
    // A CPU emulator runs a few workgroups at a time: splitting K to fill a GPU only adds work.
    const splitKTarget = shape === 'cpu' ? 1 : undefined;
    const flashDecoding = attentionSplitServes(C, cfg.nHead);
    const partialsV2 =
      rowPerOutput && flashDecoding
        ? buf('attn.decode_partials', attentionPartialsFloats(C, cfg.nHead))
        : null;
    if (rowPerOutput) this.decodeLayers = [];
    weights.blocks.forEach((w, l) => {
      const q = buf(`h.${l}.q_store`, P * C);
      const k = buf(`h.${l}.k_cache`, P * C);
      const v = buf(`h.${l}.v_cache`, P * C);
      this.q.push(q);
      this.k.push(k);
      this.v.push(v);
      const linear = (
        name: string,
        lw: typeof w.attn,
        input: GPUBuffer,
        out: GPUBuffer,
        gelu: boolean,
        accumulate: boolean,
      ) =>
        new LinearCall(
          gpu,
          `h.${l}.${name}`,
          { input, weight: lw.weight, bias: lw.bias, out, partials },
          { weightsF16: f16, gelu, accumulate, splitKTarget, rowPerOutput },
        );
      const ln = (norm: typeof w.ln1) => ({
        input: this.x,
        gamma: norm.gamma,
        beta: norm.beta,
        out: this.h,
      });
      const lnV2 = layernormV2Supports(C);
      this.layers.push({
        ln1: new LayerNormCall(gpu, `h.${l}.ln_1`, ln(w.ln1)),
        ln1V2: lnV2 ? new LayerNormV2Call(gpu, `h.${l}.ln_1.v2`, ln(w.ln1)) : null,
        ln2V2: lnV2 ? new LayerNormV2Call(gpu, `h.${l}.ln_2.v2`, ln(w.ln2)) : null,
        qkv: linear('attn.c_attn', w.attn, this.h, this.qkv, false, false),
        kvWrite: new KvWriteCall(gpu, `h.${l}.kv_write`, { qkv: this.qkv, q, k, v }),
        attention: new AttentionCall(gpu, `h.${l}.attn`, { q, k, v, out: this.att }),
        attentionV2: attentionV2Supports(C, cfg.nHead)
          ? new AttentionV2Call(gpu, `h.${l}.attn_v2`, { q, k, v, out: this.att }, C / cfg.nHead)
          : null,
        attnProj: linear('attn.c_proj', w.attnProj, this.att, this.x, false, true),
        ln2: new LayerNormCall(gpu, `h.${l}.ln_2`, ln(w.ln2)),
        fc: linear('mlp.c_fc', w.fc, this.h, this.fcOut, true, false),
        fcProj: linear('mlp.c_proj', w.fcProj, this.fcOut, this.x, false, true),
      });
      if (!this.decodeLayers) return;
      const matvec = (
        name: string,
        lw: typeof w.attn,
        buffers: { input: GPUBuffer; out: GPUBuffer; outK?: GPUBuffer; outV?: GPUBuffer },
        prologue: MatvecPrologue,
        rows: 'wide' | 'narrow',
        extra: { gelu?: boolean; accumulate?: boolean; kvOut?: boolean } = {},
      ) =>
        new MatvecV2Call(
          gpu,
          `h.${l}.${name}.v2`,
          { ...buffers, weight: lw.weight, bias: lw.bias },
          { weightsF16: f16, prologue, ...matvecGeometry(shape, rows), ...extra },
        );
      const lnPrologue = (norm: typeof w.ln1): MatvecPrologue => ({
        kind: 'layernorm',
        gamma: norm.gamma,
        beta: norm.beta,
      });
      this.decodeLayers.push({
        qkv: matvec(
          'attn.c_attn',
          w.attn,
          { input: this.x, out: q, outK: k, outV: v },
          lnPrologue(w.ln1),
          'wide',
          { kvOut: true },
        ),
        split: partialsV2
          ? new AttentionSplitCall(gpu, `h.${l}.attn_split`, { q, k, v, partials: partialsV2 })
          : null,
        attnProjCombine: partialsV2
          ? matvec(
              'attn.c_proj',
              w.attnProj,
              { input: partialsV2, out: this.x },
              { kind: 'combine' },
              'narrow',
              { accumulate: true },
            )
          : null,
        attnProj: matvec(
          'attn.c_proj.z',
          w.attnProj,
          { input: this.att, out: this.x },
          { kind: 'none' },
          'narrow',
          { accumulate: true },
        ),
        fc: matvec(
          'mlp.c_fc',
          w.fc,
          { input: this.x, out: this.fcOut },
          lnPrologue(w.ln2),
          'wide',
          {
            gelu: true,
          },
        ),
        fcProj: matvec(
          'mlp.c_proj',
          w.fcProj,
          { input: this.fcOut, out: this.x },
          { kind: 'none' },
          'narrow',
          { accumulate: true },
        ),
      });
    });
    this.lnF = new LayerNormCall(gpu, 'ln_f', {
      input: this.x,
      gamma: weights.lnF.gamma,
      beta: weights.lnF.beta,
      out: this.last,
    });
    this.head = new LogitsCall(
      gpu,
      'lm_head',
      { input: this.last, wte: weights.wte, out: this.logits },
      { weightsF16: f16 },
    );
    this.topk = new TopKCall(
      gpu,
      'topk',
      { logits: this.logits, out: this.candidatesBuf },
      { maxV: V },
    );
    this.logsumexp = new LogSumExpCall(gpu, 'logsumexp', { logits: this.logits, out: this.lseBuf });
    this.sampler = new SampleCall(gpu, 'sample', {
      candidates: this.candidatesBuf,
      stats: this.lseBuf,
      out: this.ids,
    });
    if (rowPerOutput) {
      // ln_f of the last row folded into the tied LM head (wte is [V, C] in either layout).
      this.headV2 = new MatvecV2Call(
        gpu,
        'lm_head.v2',
        { input: this.x, weight: weights.wte, out: this.logits },
        {
          weightsF16: f16,
          prologue: { kind: 'layernorm', gamma: weights.lnF.gamma, beta: weights.lnF.beta },
          ...matvecGeometry(shape, 'head'),
        },
      );
      this.topkV2 = new TopKLseCall(
        gpu,
        'topk.v2',
        { logits: this.logits, candidates: this.candidatesBuf, lse: this.lseBuf, ids: this.ids },
        { maxV: V },
      );
    }

    // A pass per kernel of the longest plain forward: v1's 8 per layer, the embedding, ln_f,
    // the LM head, top-k, log-sum-exp and the GPU sampler.
    if (gpu.capabilities.timestampQuery) {
      for (let i = 0; i < MAX_STEPS_IN_FLIGHT; i++) {
        this.timers.push(new PassTimer(gpu, 8 * cfg.nLayer + 6));
      }
      this.freeTimers.push(...this.timers);
    }
    this.lensRows = buf('logit_lens.rows', (cfg.nLayer + 1) * C);
    this.cacheBackup = buf('logit_lens.cache_backup', 3 * cfg.nLayer * C);
    this.lensNorm = new LayerNormCall(gpu, 'logit_lens.ln_f', {
      input: this.lensRows,
      gamma: weights.lnF.gamma,
      beta: weights.lnF.beta,
      out: this.last,
    });
    const bytesPerWeight = f16 ? 2 : 4;
    const perLayer = C * 3 * C + C * C + C * nInner + nInner * C;
    // Each matrix once, the LM head's whole wte, one wpe row and wte row (the embedding).
    this.weightBytesPerStep = bytesPerWeight * (cfg.nLayer * perLayer + V * C + 2 * C);
  }

  /** Tokens currently in the KV cache. */
  get position(): number {
    return this.cached;
  }

  /** The buffers forward hooks read and change. */
  get activations(): ForwardActivations {
    return { residual: this.x, headOutputs: this.att, logits: this.logits };
  }

  /** The hook every forward runs with (null: none). */
  get forwardHook(): ForwardHook | null {
    return this.hook;
  }

  /** Runs every later forward with `hook`'s kernels (null: none). The cache is not redone. */
  setForwardHook(hook: ForwardHook | null): void {
    this.hook = hook;
  }

  /**
   * Records one forward of `ids` at pos0 into `encoder`, without sampling support, submit or
   * readback: for sweeps of many forwards in few submits. The last position's logits are left
   * in `activations.logits`. The ids are written before the submit, so every forward in one
   * submit must have the same ids. Returns the number of dispatches.
   */
  encodeForward(encoder: GPUCommandEncoder, ids: readonly number[], pos0: number): number {
    this.checkTokens(ids, pos0);
    this.assertIdle('encodeForward');
    this.gpu.write(this.ids, new Uint32Array(ids));
    this.idsSampled = false;
    const dispatches = this.encodeSweepForward(encoder, ids.length, pos0, 0);
    this.cached = pos0 + ids.length;
    return dispatches;
  }

  /**
   * Records a forward of T tokens at position 0 that starts at block `layer`, on the residual
   * stream entering it taken from rows `sourceRow ..` of `source` (a capture of resid_pre):
   * the blocks before it would only compute those rows again. For patching sweeps, whose runs
   * differ from the corrupted run only from the patched block on. The cache of the earlier
   * blocks must already hold the T positions of the run the rows come from. Returns the
   * number of dispatches; the last position's logits are left in `activations.logits`.
   */
  encodeForwardFrom(
    encoder: GPUCommandEncoder,
    T: number,
    layer: number,
    source: GPUBuffer,
    sourceRow: number,
  ): number {
    const { nLayer, nEmbd: C } = this.config;
    this.assertIdle('encodeForwardFrom');
    if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer) {
      throw new RangeError(`encodeForwardFrom: no block ${layer} (the model has ${nLayer})`);
    }
    if (!Number.isInteger(T) || T < 1 || T > this.cached) {
      throw new RangeError(
        `encodeForwardFrom: T=${T}, but the cache holds the earlier blocks of ${this.cached} positions`,
      );
    }
    if (!Number.isInteger(sourceRow) || sourceRow < 0 || (sourceRow + T) * C * 4 > source.size) {
      throw new RangeError(
        `encodeForwardFrom: rows ${sourceRow}..${sourceRow + T - 1} are not in the source`,
      );
    }
    encoder.copyBufferToBuffer(source, sourceRow * C * 4, this.x, 0, T * C * 4);
    const dispatches = this.encodeSweepForward(encoder, T, 0, layer);
    this.cached = T;
    return dispatches;
  }

  /** A forward of a sweep: the logits, without sampling support, from block firstLayer on. */
  private encodeSweepForward(
    encoder: GPUCommandEncoder,
    T: number,
    pos0: number,
    firstLayer: number,
  ): number {
    const ops = this.forwardOps(T, pos0, 1, true, undefined, firstLayer).filter(
      (o) => o.kind !== 'topk' && o.kind !== 'logsumexp',
    );
    return this.encodeOps(encoder, ops, null);
  }

  /**
   * Runs tokens `ids` at positions `pos0 .. pos0 + ids.length - 1` (pos0 <= position: a
   * smaller pos0 rewinds the cache, as when branching), leaving the logits of the last one
   * on the GPU and returning the sampling candidates. The step is submitted before this
   * is called (an async function runs up to its first await at once), so a caller may
   * queue the next one (forwardSampled) before awaiting this one.
   */
  async forward(
    ids: readonly number[],
    pos0: number,
    invTemperature = 1,
    options: ForwardOptions = {},
  ): Promise<StepReadback> {
    this.checkTokens(ids, pos0);
    return this.submitStep(new Uint32Array(ids), pos0, invTemperature, options);
  }

  /**
   * One decode step at pos0 on the token the GPU sampler of the step before chose (a
   * forward with `options.sample`), without the CPU knowing it yet: queued behind that step,
   * so the GPU goes from one token to the next without waiting for a readback. If the CPU
   * then chooses differently, run the position again with `forward`: this step's writes to
   * the cache are all at pos0.
   */
  async forwardSampled(
    pos0: number,
    invTemperature = 1,
    options: ForwardOptions = {},
  ): Promise<StepReadback> {
    if (!this.idsSampled) {
      throw new Error('forwardSampled: the last step queued did not choose a token on the GPU');
    }
    this.checkPosition(1, pos0);
    return this.submitStep(null, pos0, invTemperature, options);
  }

  /**
   * Forgets the cache from position `length` on: a step queued ahead of a run that then
   * stopped leaves the cache as a run without it would (the last token not yet read).
   */
  truncate(length: number): void {
    this.assertIdle('truncate');
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`truncate: length ${length} must be an integer >= 0`);
    }
    this.cached = Math.min(this.cached, length);
  }

  /** Steps submitted whose readback has not finished. */
  get stepsInFlight(): number {
    return this.inFlight;
  }

  private submitStep(
    ids: Uint32Array | null,
    pos0: number,
    invTemperature: number,
    options: ForwardOptions,
  ): Promise<StepReadback> {
    const T = ids?.length ?? 1;
    if (this.busy) throw new Error('Gpt2Model.forward called while other work is running');
    if (this.inFlight >= MAX_STEPS_IN_FLIGHT) {
      throw new Error(`Gpt2Model.forward: ${MAX_STEPS_IN_FLIGHT} steps are already in flight`);
    }
    // A timer has a slot per kernel of a plain forward; hooks add kernels.
    const timer =
      options.profile === true && this.hook === null ? (this.freeTimers.pop() ?? null) : null;
    this.gpu.assertAlive();
    const t0 = performance.now();
    if (ids) this.gpu.write(this.ids, ids);
    const encoder = this.gpu.device.createCommandEncoder({ label: `forward T=${T}` });
    const sample = options.sample;
    const ops = this.forwardOps(T, pos0, invTemperature, true, sample);
    let dispatches: number;
    try {
      dispatches = this.encodeOps(encoder, ops, timer, undefined, options.recorder);
    } catch (e) {
      if (timer) this.freeTimers.push(timer);
      throw e;
    }
    const staging = this.freeStaging.pop()!;
    const bytes = sample ? STEP_READBACK_BYTES : TOKEN_OFFSET;
    encoder.copyBufferToBuffer(this.candidatesBuf, 0, staging, 0, TOPK_OUTPUT_BYTES);
    encoder.copyBufferToBuffer(this.lseBuf, 0, staging, TOPK_OUTPUT_BYTES, LOGSUMEXP_OUTPUT_BYTES);
    let kept: GPUBuffer | null = null;
    if (sample) {
      encoder.copyBufferToBuffer(this.ids, 0, staging, TOKEN_OFFSET, 4);
      // Greedy never needs the full logits; other settings rarely, but then while the next
      // step is already rewriting them.
      if (sample.temperature > 0) {
        kept = this.keptLogits[this.keptSlot];
        this.keptSlot = 1 - this.keptSlot;
        encoder.copyBufferToBuffer(this.logits, 0, kept, 0, this.sampleVocab * 4);
      }
    }
    this.gpu.device.queue.submit([encoder.finish()]);
    this.cached = pos0 + T;
    this.idsSampled = sample !== undefined;
    this.inFlight++;
    const read = async (): Promise<StepReadback> => {
      try {
        await staging.mapAsync(GPUMapMode.READ, 0, bytes);
        const data = staging.getMappedRange(0, bytes).slice(0);
        staging.unmap();
        const lse = parseLogSumExp(data, TOPK_OUTPUT_BYTES);
        const stats: StepStats = {
          submits: 1,
          dispatches,
          readbackBytes: bytes,
          weightBytes: this.weightBytesPerStep,
          ms: 0,
        };
        if (timer) {
          stats.kernelMs = await timer.read(ops.map((o) => o.kind));
          stats.readbackBytes += timer.bytes;
        }
        stats.ms = performance.now() - t0;
        const readback: StepReadback = {
          candidates: parseCandidates(data.slice(0, TOPK_OUTPUT_BYTES)),
          lse,
          stats,
          readLogits: kept
            ? () => this.gpu.readF32(kept, 0, this.sampleVocab)
            : () => this.readLogits(),
        };
        if (sample) readback.gpuToken = new Uint32Array(data, TOKEN_OFFSET, 1)[0];
        return readback;
      } finally {
        this.freeStaging.push(staging);
        this.inFlight--;
        if (timer) this.freeTimers.push(timer);
        if (this.inFlight === 0) for (const f of this.idleWaiters.splice(0)) f();
      }
    };
    return read();
  }

  private checkTokens(ids: readonly number[], pos0: number): void {
    const V = this.config.vocabSize;
    this.checkPosition(ids.length, pos0);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw new RangeError(`token id ${id} is outside this model's vocabulary (0..${V - 1})`);
      }
    }
  }

  /**
   * Resolves once no step is in flight. A step queued ahead finishes by itself, so work that
   * follows a run (a map, the logit lens) waits for it rather than failing.
   */
  private async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Work other than a forward needs the model to itself: no step in flight, nothing else. */
  private assertIdle(what: string): void {
    if (this.busy || this.inFlight > 0) {
      throw new Error(`Gpt2Model: ${what} called while a step is still running`);
    }
  }

  private checkPosition(T: number, pos0: number): void {
    const P = this.config.nPositions;
    if (T === 0) throw new RangeError('forward needs at least one token');
    if (!Number.isInteger(pos0) || pos0 < 0 || pos0 > this.cached) {
      throw new RangeError(
        `forward at position ${pos0}, but only ${this.cached} tokens are cached`,
      );
    }
    if (pos0 + T > P) throw new ContextFullError(P, pos0 + T);
  }

  /**
   * Every kernel of one forward pass, in order, named by what it is for the timing breakdown;
   * without the LM head and sampling support when `head` is false (the logit lens); from
   * block `firstLayer` on, without the embedding, when that is > 0 (the residual stream
   * entering it is already in place).
   */
  private forwardOps(
    T: number,
    pos0: number,
    invTemperature: number,
    head = true,
    sample?: GpuSampleParams,
    firstLayer = 0,
  ): Op[] {
    const { nEmbd: C, nHead: NH, vocabSize: V, nInner, layerNormEpsilon: eps } = this.config;
    const sampleV = this.sampleVocab;
    const linear = T === 1 ? 'matvec' : 'matmul';
    const kernels = this.prefillKernels;
    const norm = (v1: LayerNormCall, v2: LayerNormV2Call | null, p: GPUComputePassEncoder) => {
      const sizes = { rows: T, C, first_row: 0, eps };
      if (T > 1 && kernels === 'v2' && v2) v2.encode(p, sizes);
      else v1.encode(p, sizes);
    };
    const hook = (point: HookPoint, l: number) => this.hook?.ops(point, l, T, pos0) ?? [];
    const ops: Op[] =
      firstLayer > 0
        ? []
        : [
            {
              kind: 'embedding',
              encode: (p) => this.embedding.encode(p, { T, C, pos0 }),
              snapshot: 0,
            },
          ];
    if (T === 1 && this.decodeLayers) ops.push(...this.decodeOpsV2(pos0, firstLayer));
    else
      this.layers.forEach((L, l) => {
        if (l < firstLayer) return;
        ops.push(
          ...hook('resid_pre', l),
          { kind: 'layernorm', encode: (p) => norm(L.ln1, L.ln1V2, p) },
          { kind: linear, encode: (p) => L.qkv.encode(p, { T, K: C, N: 3 * C }, kernels) },
          { kind: 'kv_write', encode: (p) => L.kvWrite.encode(p, { T, C, pos0 }) },
          {
            kind: 'attention',
            encode: (p) =>
              T > 1 && kernels === 'v2' && L.attentionV2
                ? L.attentionV2.encode(p, { T, pos0, C, NH })
                : L.attention.encode(p, { T, pos0, C, NH }),
          },
          ...hook('head_out', l),
          { kind: linear, encode: (p) => L.attnProj.encode(p, { T, K: C, N: C }, kernels) },
          ...hook('resid_mid', l),
          { kind: 'layernorm', encode: (p) => norm(L.ln2, L.ln2V2, p) },
          { kind: linear, encode: (p) => L.fc.encode(p, { T, K: C, N: nInner }, kernels) },
          {
            kind: linear,
            encode: (p) => L.fcProj.encode(p, { T, K: nInner, N: C }, kernels),
            snapshot: l + 1,
          },
        );
      });
    ops.push(...hook('resid_pre', this.layers.length));
    if (!head) return ops;
    const headV2 = this.headV2;
    const topkV2 = this.topkV2;
    if (headV2 && topkV2) {
      // ln_f of the last row folded into the LM head; top-k and log-sum-exp in one pass,
      // the GPU's choice of the next token (pipelined decode) at the end of its merge.
      const walk = sample && { params: sample, outIndex: 0 };
      ops.push(
        { kind: 'lm_head', encode: (p) => headV2.encode(p, { K: C, N: V, inRow: T - 1, eps }) },
        {
          kind: 'topk',
          encode: (p) => topkV2.encode(p, { V: sampleV, inv_temperature: invTemperature }, walk),
        },
      );
      return ops;
    }
    ops.push(
      {
        kind: 'layernorm',
        encode: (p) => this.lnF.encode(p, { rows: 1, C, first_row: T - 1, eps }),
      },
      { kind: 'lm_head', encode: (p) => this.head.encode(p, { C, V }) },
      { kind: 'topk', encode: (p) => this.topk.encode(p, { V: sampleV }) },
      {
        kind: 'logsumexp',
        encode: (p) => this.logsumexp.encode(p, { V: sampleV, inv_temperature: invTemperature }),
      },
    );
    if (sample) {
      ops.push({
        kind: 'sample',
        encode: (p) => this.sampler.encode(p, sample, { vocab: sampleV, outIndex: 0 }),
      });
    }
    return ops;
  }

  /**
   * The blocks of a decode step with the v2 kernels, 5 dispatches per layer: c_attn with ln_1
   * folded in, writing q, k, v into the caches at pos0; flash-decoding attention; c_proj with
   * the combine folded in (+= into the residual stream); c_fc with ln_2 folded in and GELU;
   * mlp.c_proj (+=). A hook at head_out needs the heads' outputs z: that layer then runs v1's
   * attention into z and c_proj on z.
   */
  private decodeOpsV2(pos0: number, firstLayer = 0): Op[] {
    const { nEmbd: C, nHead: NH, nInner, layerNormEpsilon: eps } = this.config;
    const hook = (point: HookPoint, l: number) => this.hook?.ops(point, l, 1, pos0) ?? [];
    const { splits } = attentionSplits(pos0);
    const ops: Op[] = [];
    this.decodeLayers?.forEach((D, l) => {
      if (l < firstLayer) return;
      ops.push(...hook('resid_pre', l), {
        kind: 'matvec',
        encode: (p) => D.qkv.encode(p, { K: C, N: 3 * C, outOffset: pos0 * C, split: C, eps }),
      });
      const headOut = hook('head_out', l);
      const { split, attnProjCombine } = D;
      if (split && attnProjCombine && headOut.length === 0) {
        ops.push(
          { kind: 'attention', encode: (p) => split.encode(p, { pos: pos0, C, NH }) },
          {
            kind: 'matvec',
            encode: (p) => attnProjCombine.encode(p, { K: C, N: C, heads: NH, splits }),
          },
        );
      } else {
        const attention = this.layers[l].attention;
        ops.push(
          { kind: 'attention', encode: (p) => attention.encode(p, { T: 1, pos0, C, NH }) },
          ...headOut,
          { kind: 'matvec', encode: (p) => D.attnProj.encode(p, { K: C, N: C }) },
        );
      }
      ops.push(
        ...hook('resid_mid', l),
        { kind: 'matvec', encode: (p) => D.fc.encode(p, { K: C, N: nInner, eps }) },
        {
          kind: 'matvec',
          encode: (p) => D.fcProj.encode(p, { K: nInner, N: C }),
          snapshot: l + 1,
        },
      );
    });
    return ops;
  }

  /**
   * The dispatches `forward` encodes for T tokens at pos0 (each named by its op kind),
   * recorded through the same code without running anything on the GPU; with `sample`, of
   * a step that also chooses the next token on the GPU (as pipelined decode runs it).
   */
  recordForward(T: number, pos0: number, sample?: GpuSampleParams): DispatchRecord[] {
    if (!Number.isInteger(T) || T < 1 || !Number.isInteger(pos0) || pos0 < 0) {
      throw new RangeError(`recordForward: T=${T} and pos0=${pos0} must be integers, T >= 1`);
    }
    if (pos0 + T > this.config.nPositions)
      throw new ContextFullError(this.config.nPositions, pos0 + T);
    const recorder = new DispatchRecorder(true);
    const pass = dryRunPass(recorder);
    const invT = sample ? sampleFields(sample).inv_temperature : 1;
    for (const op of this.forwardOps(T, pos0, invT, true, sample)) {
      recorder.op = op.kind;
      op.encode(pass);
    }
    return recorder.records;
  }

  /**
   * Records `ops` into `encoder`: one compute pass normally; one pass per op with
   * timestamps when profiling; and, when `snapshots` is given, the residual stream's last row
   * copied out after the embedding and after every block (for the logit lens). A `recorder`
   * is told each dispatch, under the kind of its op.
   */
  private encodeOps(
    encoder: GPUCommandEncoder,
    ops: Op[],
    timer: PassTimer | null,
    snapshots?: { buffer: GPUBuffer; row: number },
    recorder?: DispatchRecorder,
  ): number {
    let dispatches = 0;
    let real: GPUComputePassEncoder | null = null;
    let pass: GPUComputePassEncoder | null = null;
    const C = this.config.nEmbd;
    ops.forEach((op, i) => {
      if (!pass || timer) {
        real = encoder.beginComputePass({
          label: op.kind,
          timestampWrites: timer?.writes(i),
        });
        pass = countDispatches(real, () => dispatches++);
        if (recorder) attachRecorder(pass, recorder);
      }
      if (recorder) recorder.op = op.kind;
      op.encode(pass);
      if (timer || (snapshots && op.snapshot !== undefined)) {
        real!.end();
        pass = null;
      }
      if (snapshots && op.snapshot !== undefined) {
        encoder.copyBufferToBuffer(
          this.x,
          snapshots.row * C * 4,
          snapshots.buffer,
          op.snapshot * C * 4,
          C * 4,
        );
      }
    });
    if (pass) real!.end();
    timer?.resolve(encoder, ops.length);
    return dispatches;
  }

  /**
   * The logit lens at `position` (token `id`, already in the cache): what the residual
   * stream after the embedding and after each block would predict through ln_f and the
   * tied embedding. Row L is the model's real prediction. The position is recomputed as one
   * token against the cache, and its cached q/k/v rows are restored afterwards so later
   * tokens see exactly what they saw before.
   */
  async logitLens(id: number, position: number, topN: number): Promise<LogitLensRow[]> {
    const { nEmbd: C, vocabSize: V, nLayer, layerNormEpsilon: eps } = this.config;
    const sampleV = this.sampleVocab;
    return this.withResidualRows(id, position, 'logit lens', async () => {
      const rows: LogitLensRow[] = [];
      for (let layer = 0; layer <= nLayer; layer++) {
        const enc = this.gpu.device.createCommandEncoder({ label: `logit_lens.row${layer}` });
        const pass = enc.beginComputePass({ label: `logit_lens.row${layer}` });
        this.lensNorm.encode(pass, { rows: 1, C, first_row: layer, eps });
        this.head.encode(pass, { C, V });
        this.topk.encode(pass, { V: sampleV });
        this.logsumexp.encode(pass, { V: sampleV, inv_temperature: 1 });
        pass.end();
        const staging = this.freeStaging[0];
        enc.copyBufferToBuffer(this.candidatesBuf, 0, staging, 0, TOPK_OUTPUT_BYTES);
        enc.copyBufferToBuffer(this.lseBuf, 0, staging, TOPK_OUTPUT_BYTES, LOGSUMEXP_OUTPUT_BYTES);
        this.gpu.device.queue.submit([enc.finish()]);
        await staging.mapAsync(GPUMapMode.READ, 0, TOKEN_OFFSET);
        const bytes = staging.getMappedRange(0, TOKEN_OFFSET).slice(0);
        staging.unmap();
        const lse = parseLogSumExp(bytes, TOPK_OUTPUT_BYTES);
        const candidates = parseCandidates(bytes.slice(0, TOPK_OUTPUT_BYTES))
          .slice(0, topN)
          .map((c) => ({
            id: c.id,
            logit: c.logit,
            prob: Math.exp(c.logit - lse.max) / lse.sumExp,
          }));
        rows.push({ layer, candidates });
      }
      return rows;
    });
  }

  /**
   * Where the residual stream at `position` (token `id`, in the cache) first holds a NaN or
   * an infinity: 0 after the embedding, l after block l - 1; null when every row is finite
   * (the fault is then in ln_f or the LM head). Recomputed like the logit lens.
   */
  async firstNonFiniteRow(id: number, position: number): Promise<number | null> {
    const { nEmbd: C, nLayer } = this.config;
    return this.withResidualRows(id, position, 'non-finite check', async () => {
      const rows = await this.gpu.readF32(this.lensRows, 0, (nLayer + 1) * C);
      for (let r = 0; r <= nLayer; r++) {
        for (let c = 0; c < C; c++) {
          const x = rows[r * C + c];
          if (x - x !== 0) return r;
        }
      }
      return null;
    });
  }

  /**
   * Recomputes `position` as one token against the cache, with the residual stream after
   * the embedding and after each block copied to lensRows, then runs `read`. The position's
   * cached q/k/v rows are restored, so later tokens see exactly what they saw before.
   */
  private async withResidualRows<T>(
    id: number,
    position: number,
    what: string,
    read: () => Promise<T>,
  ): Promise<T> {
    const { nEmbd: C } = this.config;
    await this.settled();
    if (!Number.isInteger(position) || position < 0 || position >= this.cached) {
      throw new RangeError(
        `${what} at position ${position}: only ${this.cached} tokens are cached`,
      );
    }
    const cached = this.cached;
    this.checkTokens([id], position);
    this.assertIdle(what);
    this.busy = true;
    try {
      this.gpu.write(this.ids, new Uint32Array([id]));
      this.idsSampled = false;
      const encoder = this.gpu.device.createCommandEncoder({ label: what });
      const caches = this.q.flatMap((q, l) => [q, this.k[l], this.v[l]]);
      caches.forEach((b, i) =>
        encoder.copyBufferToBuffer(b, position * C * 4, this.cacheBackup, i * C * 4, C * 4),
      );
      const ops = this.forwardOps(1, position, 1, false);
      this.encodeOps(encoder, ops, null, { buffer: this.lensRows, row: 0 });
      caches.forEach((b, i) =>
        encoder.copyBufferToBuffer(this.cacheBackup, i * C * 4, b, position * C * 4, C * 4),
      );
      this.gpu.device.queue.submit([encoder.finish()]);
      return await read();
    } finally {
      this.cached = cached;
      this.busy = false;
    }
  }

  /** The full logits of the last forward's last position (an explicit 4V-byte readback). */
  async readLogits(): Promise<Float32Array> {
    await this.settled();
    this.assertIdle('readLogits');
    return this.gpu.readF32(this.logits, 0, this.sampleVocab);
  }

  /**
   * Attention probabilities of one head over the cached context, recomputed exactly from the
   * stored queries and keys: row i is where token i attends, [n, n] with zeros above the diagonal.
   */
  async attentionProbs(layer: number, head: number): Promise<{ n: number; probs: Float32Array }> {
    const { nLayer, nHead: NH, nEmbd: C } = this.config;
    if (!Number.isInteger(layer) || layer < 0 || layer >= nLayer) {
      throw new RangeError(`layer ${layer} does not exist (0..${nLayer - 1})`);
    }
    if (!Number.isInteger(head) || head < 0 || head >= NH) {
      throw new RangeError(`head ${head} does not exist (0..${NH - 1})`);
    }
    await this.settled();
    this.assertIdle('attentionProbs');
    const n = this.cached;
    if (n === 0) return { n, probs: new Float32Array(0) };
    const out = this.gpu.createBuffer(
      `h.${layer}.attn_probs.head${head}`,
      n * n * 4,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    );
    const call = new AttentionProbsCall(this.gpu, `h.${layer}.attn_probs`, {
      q: this.q[layer],
      k: this.k[layer],
      out,
    });
    try {
      const encoder = this.gpu.device.createCommandEncoder({ label: 'attention_probs' });
      const pass = encoder.beginComputePass({ label: 'attention_probs' });
      call.encode(pass, { n, C, NH, head });
      pass.end();
      this.gpu.device.queue.submit([encoder.finish()]);
      return { n, probs: await this.gpu.readF32(out, 0, n * n) };
    } finally {
      call.destroy();
      this.gpu.destroyBuffer(out);
    }
  }

  /** Frees the activations, caches and per-call uniforms (not the weights: see unload). */
  destroy(): void {
    for (const L of this.layers) for (const c of Object.values(L)) c?.destroy();
    for (const D of this.decodeLayers ?? []) for (const c of Object.values(D)) c?.destroy();
    this.headV2?.destroy();
    this.topkV2?.destroy();
    this.embedding.destroy();
    this.lnF.destroy();
    this.head.destroy();
    this.topk.destroy();
    this.logsumexp.destroy();
    this.sampler.destroy();
    this.lensNorm.destroy();
    for (const t of this.timers) t.destroy();
    for (const b of this.buffers) this.gpu.destroyBuffer(b);
    this.buffers.length = 0;
  }
}

/** A view of a compute pass that counts dispatches, so benchmarks report what was recorded. */
function countDispatches(
  pass: GPUComputePassEncoder,
  onDispatch: () => void,
): GPUComputePassEncoder {
  return new Proxy(pass, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'dispatchWorkgroups') {
        return (x: number, y?: number, z?: number) => {
          onDispatch();
          target.dispatchWorkgroups(x, y, z);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

import type { GpuContext } from '../gpu/gpu-context.ts';
import type { Gpt2Config } from '../model/config.ts';
import type { ForwardHook } from '../model/forward-hook.ts';
import {
  defaultDecodeKernels,
  Gpt2Model,
  type DecodeKernels,
  type KernelShape,
  type LogitLensRow,
} from '../model/gpt2-model.ts';
import { loadGpt2Weights } from '../model/load-weights.ts';
import type { LoadProgress, ModelFiles } from '../model/model-files.ts';
import type { Gpt2Weights, WeightStorage } from '../model/weights.ts';
import { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import {
  generateTokens,
  type GenerationEnd,
  type GenerationRequest,
  type TokenStep,
} from './generate.ts';

export interface EngineLoadOptions {
  storage: WeightStorage;
  /**
   * Kernels of a decode step (default: v2 on a GPU, v1 on a fallback adapter such as
   * SwiftShader; see defaultDecodeKernels). v2 holds the Conv1D weights row per output.
   */
  decodeKernels?: DecodeKernels;
  /** What the kernels' geometry is shaped for (default: by the adapter; see KernelShape). */
  shape?: KernelShape;
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Told when the weights are on the GPU and the kernels are being compiled. */
  onCompile?: () => void;
  /**
   * Said once per load: unknown tensors, a vocabulary padded past the tokenizer's
   * (default: console.warn).
   */
  onWarning?: (message: string) => void;
}

export interface AttentionMap {
  layer: number;
  head: number;
  /** Context length: the map is [n, n], row i = where token i attends (zeros above the diagonal). */
  n: number;
  probs: Float32Array;
  /** The tokens of the context the map was computed over (row and column i is ids[i]). */
  ids: readonly number[];
}

/**
 * A loaded GPT-2: weights and model on one GPU context, plus the tokenizer. The one object
 * the CLI, the benchmark and the UI controller talk to. Keeps track of which tokens are in
 * the KV cache so continuing or branching prefills only what changed.
 */
export class Gpt2Engine {
  private inCache: number[] = [];

  private constructor(
    readonly gpu: GpuContext,
    readonly weights: Gpt2Weights,
    readonly model: Gpt2Model,
    readonly tokenizer: Gpt2Tokenizer,
    readonly source: string,
  ) {}

  static async load(
    gpu: GpuContext,
    files: ModelFiles,
    options: EngineLoadOptions,
  ): Promise<Gpt2Engine> {
    const decodeKernels = options.decodeKernels ?? defaultDecodeKernels(gpu.capabilities);
    const weights = await loadGpt2Weights(gpu, files, {
      ...options,
      layout: decodeKernels === 'v2' ? 'row-per-output' : 'conv1d',
    });
    try {
      const V = weights.config.vocabSize;
      const known = Gpt2Tokenizer.VOCAB_SIZE;
      if (V > known) {
        (options.onWarning ?? ((m: string) => console.warn(m)))(
          `${files.description}: the model has ${V} token rows, ${V - known} more than the ` +
            `GPT-2 tokenizer's ${known} (padding, as nanoGPT adds). Ids ${known}..${V - 1} have ` +
            'no text, so they are never sampled.',
        );
      }
      options.onCompile?.();
      const model = new Gpt2Model(gpu, weights, { sampleVocab: known, shape: options.shape });
      // In a browser the GPU process compiles the pipelines after the calls return; waiting
      // here puts that time in loading rather than in the first token.
      await gpu.device.queue.onSubmittedWorkDone();
      options.signal?.throwIfAborted();
      return new Gpt2Engine(gpu, weights, model, new Gpt2Tokenizer(), files.description);
    } catch (e) {
      weights.destroy();
      throw e;
    }
  }

  get config(): Gpt2Config {
    return this.weights.config;
  }

  get storage(): WeightStorage {
    return this.weights.storage;
  }

  /** Tokens whose keys and values are in the cache right now. */
  get cachedIds(): readonly number[] {
    return this.inCache;
  }

  /** KV cache bytes one token of context takes. */
  get kvBytesPerToken(): number {
    return this.model.kvBytesPerToken;
  }

  /** GPU bytes held by this engine (weights, activations, caches). */
  get gpuBytes(): number {
    return this.gpu.liveBuffers.bytes;
  }

  /** Generates after `request.contextIds`, prefilling only what the KV cache lacks. */
  generate(request: GenerationRequest): AsyncGenerator<TokenStep, GenerationEnd> {
    return generateTokens(this.model, request, {
      tokenizer: this.tokenizer,
      cachedIds: this.inCache,
      onCache: (ids) => {
        this.inCache = [...ids];
      },
    });
  }

  /** The full logits after `ids` (a prefill of the uncached part and a 4V-byte readback). */
  async logitsAfter(ids: readonly number[]): Promise<Float32Array> {
    let pos0 = 0;
    while (pos0 < ids.length && pos0 < this.cachedIds.length && ids[pos0] === this.cachedIds[pos0])
      pos0++;
    if (pos0 >= ids.length) pos0 = ids.length - 1;
    await this.model.forward(ids.slice(pos0), pos0, 1);
    this.inCache = [...ids];
    return this.model.readLogits();
  }

  /** Attention probabilities of (layer, head) over the tokens in the cache. */
  async attention(layer: number, head: number): Promise<AttentionMap> {
    const { n, probs } = await this.model.attentionProbs(layer, head);
    return { layer, head, n, probs, ids: this.cachedIds.slice(0, n) };
  }

  /**
   * The logit lens at `position` of the cached context: the top `topN` tokens each layer's
   * residual stream would predict (row 0: the embeddings; the last row: the real prediction).
   */
  async logitLens(position: number, topN = 10): Promise<LogitLensRow[]> {
    if (!Number.isInteger(position) || position < 0 || position >= this.cachedIds.length) {
      throw new RangeError(
        `logit lens at position ${position}: the context has ${this.cachedIds.length} tokens`,
      );
    }
    return this.model.logitLens(this.cachedIds[position], position, topN);
  }

  /**
   * Runs every later forward with `hook`'s kernels (an intervention; null: none). The KV
   * cache was computed without it, so it is dropped and the next run starts from position 0.
   */
  setForwardHook(hook: ForwardHook | null): void {
    this.model.setForwardHook(hook);
    this.inCache = [];
  }

  /** Forgets the KV cache's contents, after work that ran the model directly (sweeps). */
  dropCache(): void {
    this.inCache = [];
  }

  /** Frees every GPU buffer of the model and its weights. The GPU context stays open. */
  unload(): void {
    this.model.destroy();
    this.weights.destroy();
    this.inCache = [];
  }
}

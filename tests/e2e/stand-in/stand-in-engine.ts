/**
 * An engine without a model, for testing the page rather than the GPU: it emits tokens at a
 * set rate (as a fast desktop GPU would, faster than any frame rate) with plausible
 * candidates, through the same PlaygroundEngine interface as Gpt2Engine. Each token is its
 * own task (a real engine awaits a GPU readback per token), so rendering can run between
 * tokens, and a page that re-rendered per token would show up as long tasks.
 */
import type {
  GenerationEnd,
  GenerationRequest,
  TokenStep,
} from '../../../src/generation/generate.ts';
import type { AttentionMap } from '../../../src/generation/gpt2-engine.ts';
import type { PlaygroundEngine } from '../../../src/generation/playground-engine.ts';
import type { Gpt2Config } from '../../../src/model/config.ts';
import type { LogitLensRow } from '../../../src/model/gpt2-model.ts';
import { Gpt2Tokenizer } from '../../../src/tokenizer/gpt2-tokenizer.ts';
import { StreamingTextDecoder } from '../../../src/tokenizer/streaming-decoder.ts';

const CONFIG: Gpt2Config = {
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  nPositions: 2048,
  vocabSize: 50257,
  layerNormEpsilon: 1e-5,
  nInner: 512,
};

/** Common English word tokens, so the output reads as text rather than noise. */
const WORDS = [' the', ' of', ' and', ' to', ' a', ' in', ' that', ' it', ' was', ' her', ' he'];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The next macrotask (a MessageChannel, which, unlike setTimeout, is not clamped to 4 ms). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

export class StandInEngine implements PlaygroundEngine {
  readonly config = CONFIG;
  readonly kvBytesPerToken = 2 * CONFIG.nLayer * CONFIG.nEmbd * 4;
  readonly gpuBytes = 0;
  private inCache: number[] = [];
  private readonly tokenizer = new Gpt2Tokenizer();
  private readonly wordIds = WORDS.map((w) => this.tokenizer.encode(w)[0]);

  constructor(private readonly tokensPerSecond: number) {}

  get cachedIds(): readonly number[] {
    return this.inCache;
  }

  async *generate(request: GenerationRequest): AsyncGenerator<TokenStep, GenerationEnd> {
    const context = [...request.contextIds];
    const decoder = new StreamingTextDecoder(this.tokenizer);
    const started = performance.now();
    for (let index = 0; ; index++) {
      const max =
        typeof request.maxNewTokens === 'function'
          ? request.maxNewTokens()
          : (request.maxNewTokens ?? Infinity);
      if (request.step ? index === 1 : index >= max) {
        return { reason: request.step ? 'step' : 'max_tokens', length: context.length, rest: '' };
      }
      if (context.length >= CONFIG.nPositions) {
        return { reason: 'context_full', length: context.length, rest: '' };
      }
      const settings = request.settings();
      // Token `index` is due at started + index / rate. Ahead of that the stand-in sleeps on a
      // timer, leaving the main thread idle as it is while a real GPU computes (a busy wait
      // would leave the page no idle time at all, which no engine does); due or late, it
      // still yields a task per token, as a GPU readback resolves in one.
      const ahead = started + (index * 1000) / this.tokensPerSecond - performance.now();
      await (ahead > 1 ? sleep(ahead) : nextTask());
      if (request.signal?.aborted) return { reason: 'cancelled', length: context.length, rest: '' };
      const candidates = this.wordIds.map((id, rank) => {
        const prob = 0.5 / (rank + 1) ** 1.5;
        return { id, logit: 10 - rank, prob, probBeforeFilter: prob, modelProb: prob };
      });
      const chosen = candidates[(index * 7) % candidates.length];
      const position = context.length;
      context.push(chosen.id);
      // The live array, not a copy per token: the stand-in must cost the page next to nothing.
      this.inCache = context;
      yield {
        index,
        position,
        id: chosen.id,
        text: decoder.push(chosen.id),
        prob: chosen.prob,
        candidates,
        settings,
        usedFullLogits: false,
        pipeline: { ahead: true, note: '' },
        forwardTokens: index === 0 ? context.length - 1 : 1,
        timings: { forwardMs: 0.3, sampleMs: 0.05, totalMs: 0.4 },
        stats: { submits: 1, dispatches: 36, readbackBytes: 536, weightBytes: 0, ms: 0.4 },
      };
    }
  }

  /** Uniform causal attention over the cache: a map of the right size and meaning. */
  async attention(layer: number, head: number): Promise<AttentionMap> {
    const n = this.inCache.length;
    const probs = new Float32Array(n * n);
    for (let i = 0; i < n; i++) probs.fill(1 / (i + 1), i * n, i * n + i + 1);
    return { layer, head, n, probs, ids: this.inCache.slice() };
  }

  async logitLens(position: number, topN = 10): Promise<LogitLensRow[]> {
    if (position < 0 || position >= this.inCache.length) throw new RangeError('no such position');
    const candidates = this.wordIds
      .slice(0, topN)
      .map((id, rank) => ({ id, logit: 10 - rank, prob: 0.5 / (rank + 1) ** 1.5 }));
    return Array.from({ length: CONFIG.nLayer + 1 }, (_, layer) => ({ layer, candidates }));
  }

  /** Flat logits (every token equally likely) after `ids`, which are then the cache. */
  async logitsAfter(ids: readonly number[]): Promise<Float32Array> {
    this.inCache = [...ids];
    return new Float32Array(CONFIG.vocabSize);
  }

  unload(): void {
    this.inCache = [];
  }
}

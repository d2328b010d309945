import type { Gpt2Model, StepStats } from '../model/gpt2-model.ts';
import { ContextFullError } from '../model/context-full-error.ts';
import { Rng } from './rng.ts';
import {
  selectFromCandidates,
  selectFromFullLogits,
  type CandidateProb,
  type Selection,
} from './sampler.ts';
import { inverseTemperature, type SamplingSettings } from './sampling-settings.ts';

/** One generated token, with everything the playground shows about how it was chosen. */
export interface TokenStep {
  /** 0 for the first generated token. */
  index: number;
  /** Absolute position of this token in the context. */
  position: number;
  id: number;
  /** Probability of `id` under the settings applied at this step. */
  prob: number;
  /** The top alternatives at this step (by logit) with their probabilities. */
  candidates: CandidateProb[];
  /** The settings this token was drawn with (read just before the step). */
  settings: SamplingSettings;
  /** The candidates on the GPU did not prove the kept set: the full logits were read back. */
  usedFullLogits: boolean;
  /** Tokens the forward pass of this step processed (the prompt for the first step, then 1). */
  forwardTokens: number;
  timings: { forwardMs: number; sampleMs: number; totalMs: number };
  stats: StepStats;
}

export type StopReason = 'end_of_text' | 'max_tokens' | 'context_full' | 'cancelled';

export interface GenerationEnd {
  reason: StopReason;
  /** Tokens in the context at the end (prompt + generated). */
  length: number;
}

export interface GenerationRequest {
  /** The whole context to continue from: prompt, earlier output, a chosen branch token. */
  contextIds: readonly number[];
  maxNewTokens: number;
  /** Read before every token, so a change during generation applies to the next one. */
  settings: () => SamplingSettings;
  signal?: AbortSignal;
  /** Stop after sampling <|endoftext|> (default true). */
  stopAtEndOfText?: boolean;
  endOfTextId: number;
  /** Tokens already in the KV cache, for reusing a shared prefix (continue, branch). */
  cachedIds?: readonly number[];
  /**
   * Time every kernel with timestamp queries (see StepStats.kernelMs). A function is read
   * before every step, like `settings`, so profiling can be switched while tokens stream.
   */
  profile?: boolean | (() => boolean);
  /** Called after every forward with the ids now in the cache. */
  onCache?: (ids: readonly number[]) => void;
}

/**
 * The autoregressive loop: prefill what the cache lacks, then one token per step. Each step
 * reads back only the GPU-selected candidates unless the settings need the full logits.
 * The random draw for the token at context position p comes from PCG32 seeded with the
 * step's seed on stream p: a run is reproducible, and generating in pieces (Continue, Step)
 * gives the same tokens as one run, since no generator state has to survive between runs.
 */
export async function* generateTokens(
  model: Gpt2Model,
  request: GenerationRequest,
): AsyncGenerator<TokenStep, GenerationEnd> {
  const context = [...request.contextIds];
  if (context.length === 0) throw new RangeError('generation needs at least one context token');
  const P = model.config.nPositions;
  if (context.length > P) throw new ContextFullError(P, context.length);
  let pos0 = commonPrefix(request.cachedIds ?? [], context);
  if (pos0 > model.position) pos0 = model.position;
  if (pos0 >= context.length) pos0 = context.length - 1; // re-run the last token for its logits
  let pending = context.slice(pos0);
  for (let index = 0; index < request.maxNewTokens; index++) {
    if (request.signal?.aborted) return { reason: 'cancelled', length: context.length };
    if (pos0 + pending.length > P) return { reason: 'context_full', length: context.length };
    const settings = request.settings();
    const t0 = performance.now();
    const profile =
      typeof request.profile === 'function' ? request.profile() : request.profile === true;
    const readback = await model.forward(pending, pos0, inverseTemperature(settings), { profile });
    request.onCache?.(context);
    const t1 = performance.now();
    const u = settings.temperature > 0 ? new Rng(settings.seed, context.length).next() : 0;
    let choice: Selection = selectFromCandidates(
      readback.candidates,
      readback.lse,
      settings,
      u,
      model.config.vocabSize,
    );
    let usedFullLogits = false;
    if ('needsFullLogits' in choice) {
      usedFullLogits = true;
      choice = selectFromFullLogits(await model.readLogits(), settings, u);
    }
    const t2 = performance.now();
    const position = context.length;
    context.push(choice.token);
    yield {
      index,
      position,
      id: choice.token,
      prob: choice.prob,
      candidates: choice.distribution,
      settings,
      usedFullLogits,
      forwardTokens: pending.length,
      timings: { forwardMs: t1 - t0, sampleMs: t2 - t1, totalMs: t2 - t0 },
      stats: {
        ...readback.stats,
        readbackBytes:
          readback.stats.readbackBytes + (usedFullLogits ? model.config.vocabSize * 4 : 0),
      },
    };
    if ((request.stopAtEndOfText ?? true) && choice.token === request.endOfTextId) {
      return { reason: 'end_of_text', length: context.length };
    }
    pos0 = position;
    pending = [choice.token];
  }
  return { reason: 'max_tokens', length: context.length };
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

import type { Gpt2Model, StepReadback, StepStats } from '../model/gpt2-model.ts';
import { ContextFullError } from '../model/context-full-error.ts';
import { NonFiniteOutputError } from '../model/errors.ts';
import { Rng } from './rng.ts';
import {
  selectFromCandidates,
  selectFromFullLogits,
  type CandidateProb,
  type Selection,
} from './sampler.ts';
import { gpuSamplingBlocker } from './pipeline-policy.ts';
import { inverseTemperature, type SamplingSettings } from './sampling-settings.ts';
import { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { StreamingTextDecoder } from '../tokenizer/streaming-decoder.ts';

/** One generated token, with everything the playground shows about how it was chosen. */
export interface TokenStep {
  /** 0 for the first generated token. */
  index: number;
  /** Absolute position of this token in the context. */
  position: number;
  id: number;
  /** Text this token completes ('' while it holds only the start of a multi-byte character). */
  text: string;
  /** Probability of `id` under the settings applied at this step. */
  prob: number;
  /** The top alternatives at this step (by logit) with their probabilities. */
  candidates: CandidateProb[];
  /** The settings this token was drawn with (read just before the step). */
  settings: SamplingSettings;
  /** The candidates on the GPU did not prove the kept set: the full logits were read back. */
  usedFullLogits: boolean;
  /**
   * Whether the GPU went on to the next step without waiting for the CPU after this token:
   * the step after it had been queued on the GPU sampler's choice, which the CPU sampler
   * then confirmed. `note` says why not ('' when it did).
   */
  pipeline: { ahead: boolean; note: string };
  /** Tokens the forward pass of this step processed (the prompt for the first step, then 1). */
  forwardTokens: number;
  timings: { forwardMs: number; sampleMs: number; totalMs: number };
  stats: StepStats;
}

/**
 * Why a run ended. `step`: the single token a Step asked for is done; `context_full`: the
 * next token would have no position to be read at.
 */
export type StopReason = 'end_of_text' | 'max_tokens' | 'step' | 'context_full' | 'cancelled';

export interface GenerationEnd {
  reason: StopReason;
  /** Tokens in the context at the end (prompt + generated). */
  length: number;
  /** Text the decoder still held back (an unfinished character, as U+FFFD); usually ''. */
  rest: string;
}

export interface GenerationRequest {
  /** The whole context to continue from: prompt, earlier output, a chosen branch token. */
  contextIds: readonly number[];
  /**
   * Tokens to generate at most. A function is read before every token, so a change made
   * while tokens stream applies to the run. Default: until the context is full.
   */
  maxNewTokens?: number | (() => number);
  /** Exactly one token; the run ends with `step` (maxNewTokens is then not read). */
  step?: boolean;
  /** Read before every token, so a change during generation applies to the next one. */
  settings: () => SamplingSettings;
  signal?: AbortSignal;
  /** Stop after sampling <|endoftext|> (default true). */
  stopAtEndOfText?: boolean;
  /**
   * Stop once the context holds n_positions tokens, so every token shown can still be
   * inspected from the KV cache (the playground). Default: also predict the one token after
   * a full window (the CLI), which no later step can read.
   */
  stopAtFullWindow?: boolean;
  /**
   * Time every kernel with timestamp queries (see StepStats.kernelMs). A function is read
   * before every step, like `settings`, so profiling can be switched while tokens stream.
   */
  profile?: boolean | (() => boolean);
  /**
   * Queue each decode step on the GPU's own choice of its token before the step before it
   * is read back, so the GPU never waits for the CPU between tokens (default true). The
   * tokens are the same either way: the CPU sampler checks every choice.
   */
  pipeline?: boolean;
  /**
   * Ids whose text the caller already has (earlier output): the streaming decoder resumes
   * after them, so a character split between two runs (Continue, Step) comes out whole.
   */
  decodedIds?: readonly number[];
}

/** What the engine adds to a request: its tokenizer and the KV cache's bookkeeping. */
export interface GenerationContext {
  tokenizer: Gpt2Tokenizer;
  /** Tokens already in the KV cache, for reusing a shared prefix (continue, branch). */
  cachedIds: readonly number[];
  /** Called after every forward with the ids now in the cache. */
  onCache: (ids: readonly number[]) => void;
}

/**
 * The autoregressive loop: prefill what the cache lacks, then one token per step, each
 * yielded with its decoded text. It decides every stop, checked in this order after each
 * token: end of text, a full context, the single Step, max new tokens; and before each
 * token: cancelled. Each step reads back only the GPU-selected candidates unless the
 * settings need the full logits. The random draw for the token at context position p comes
 * from PCG32 seeded with the step's seed on stream p: a run is reproducible, and generating
 * in pieces (Continue, Step) gives the same tokens as one run, since no generator state has
 * to survive between runs.
 */
export async function* generateTokens(
  model: Gpt2Model,
  request: GenerationRequest,
  engine: GenerationContext,
): AsyncGenerator<TokenStep, GenerationEnd> {
  const context = [...request.contextIds];
  if (context.length === 0) throw new RangeError('generation needs at least one context token');
  const P = model.config.nPositions;
  // The last position a token may take: P - 1, or P (predicted, never read) by default.
  const lastPosition = request.stopAtFullWindow ? P - 1 : P;
  if (context.length > lastPosition)
    throw new ContextFullError(P, context.length + (request.stopAtFullWindow ? 1 : 0));
  const decoder = new StreamingTextDecoder(engine.tokenizer);
  for (const id of request.decodedIds ?? []) decoder.push(id);
  const end = (reason: StopReason): GenerationEnd => ({
    reason,
    length: context.length,
    rest: decoder.flush(),
  });
  const maxNewTokens = () =>
    typeof request.maxNewTokens === 'function'
      ? request.maxNewTokens()
      : (request.maxNewTokens ?? Infinity);
  const profiling = () =>
    typeof request.profile === 'function' ? request.profile() : request.profile === true;
  /** Whether the step choosing token `index` is followed by another, as far as is known now. */
  const continues = (index: number, position: number) =>
    !request.step && position < lastPosition && index + 1 < maxNewTokens();

  /**
   * Queues the step that chooses token `index` at `position` (= the context length then):
   * on `ids` from pos0, or on the token the GPU sampler of the step before chose. It asks
   * the GPU to choose too when the step after it may be queued ahead.
   */
  const queue = (index: number, position: number, ids: number[] | null, pos0: number): Step => {
    const settings = request.settings();
    const profile = profiling();
    let blocker = gpuSamplingBlocker(settings, model.sampleVocab);
    if (request.pipeline === false) blocker = 'pipelining is off for this run';
    else if (!continues(index, position)) blocker = 'the run ends here';
    else if (blocker === '' && wrongGuess) {
      // A guess thrown away costs a whole step: after one, wait for the CPU for a step.
      blocker = 'the GPU guessed the token before wrong';
    }
    const u = settings.temperature > 0 ? new Rng(settings.seed, position).next() : 0;
    const options = {
      profile,
      sample: blocker === '' ? { ...settings, u } : undefined,
    };
    const invT = inverseTemperature(settings);
    const t0 = performance.now();
    const readback = ids
      ? model.forward(ids, pos0, invT, options)
      : model.forwardSampled(pos0, invT, options);
    // Read only after the caller has queued what follows; a rejection is seen then.
    readback.catch(() => {});
    return { settings, u, readback, t0, blocker, forwardTokens: ids?.length ?? 1 };
  };

  let wrongGuess = false;
  let pos0 = commonPrefix(engine.cachedIds, context);
  if (pos0 > model.position) pos0 = model.position;
  if (pos0 >= context.length) pos0 = context.length - 1; // re-run the last token for its logits
  if (request.signal?.aborted) return end('cancelled');
  if (!request.step && maxNewTokens() <= 0) return end('max_tokens');
  /** Positions of the cache known good: the shared prefix, then as last told (onCache). */
  const known = { length: pos0 };
  let current = queue(0, context.length, context.slice(pos0), pos0);
  let ahead: Step | null = null;
  try {
    for (let index = 0; ; index++) {
      const position = context.length;
      // Queue the next step on the GPU's choice before reading this one: the GPU works on
      // it while the CPU reads, checks and shows this token.
      if (current.blocker === '' && continues(index, position) && !request.signal?.aborted) {
        ahead = queue(index + 1, position + 1, null, position);
      }
      const readback = await current.readback;
      engine.onCache(context);
      known.length = context.length;
      if (!finiteReadback(readback)) {
        await settle(ahead);
        ahead = null;
        const last = context.length - 1;
        throw new NonFiniteOutputError(last, await model.firstNonFiniteRow(context[last], last));
      }
      const t1 = performance.now();
      const { settings, u } = current;
      let choice: Selection = selectFromCandidates(
        readback.candidates,
        readback.lse,
        settings,
        u,
        model.sampleVocab,
      );
      let note = current.blocker;
      let usedFullLogits = false;
      if ('needsFullLogits' in choice) {
        usedFullLogits = true;
        choice = selectFromFullLogits(await readback.readLogits(), settings, u);
      }
      wrongGuess = false;
      if (ahead && choice.token !== readback.gpuToken) {
        // The GPU's f32 walk put the draw on the other side of a boundary, or the token lay
        // past the candidates: the queued step ran on the wrong token. Its cache writes are
        // all at `position`, which the next step rewrites.
        await settle(ahead);
        ahead = null;
        wrongGuess = true;
        note =
          `the GPU chose token ${String(readback.gpuToken)}, the CPU ${choice.token}` +
          `${usedFullLogits ? ' from all the logits' : ''}: the next step runs again`;
      } else if (note === '' && !ahead) {
        // Nothing was queued ahead: the run stopped here (or was stopped).
        note = 'the run ends here';
      }
      const t2 = performance.now();
      context.push(choice.token);
      yield {
        index,
        position,
        id: choice.token,
        text: decoder.push(choice.token),
        prob: choice.prob,
        candidates: choice.distribution,
        settings,
        usedFullLogits,
        pipeline: { ahead: ahead !== null, note: ahead ? '' : note },
        forwardTokens: current.forwardTokens,
        timings: { forwardMs: t1 - current.t0, sampleMs: t2 - t1, totalMs: t2 - current.t0 },
        stats: {
          ...readback.stats,
          readbackBytes:
            readback.stats.readbackBytes + (usedFullLogits ? model.sampleVocab * 4 : 0),
        },
      };
      if ((request.stopAtEndOfText ?? true) && choice.token === Gpt2Tokenizer.EOT) {
        return end('end_of_text');
      }
      if (position >= lastPosition) return end('context_full');
      if (request.step) return end('step');
      if (request.signal?.aborted) return end('cancelled');
      if (index + 1 >= maxNewTokens()) return end('max_tokens');
      if (ahead) {
        current = ahead;
        ahead = null;
      } else {
        current = queue(index + 1, position + 1, [choice.token], position);
      }
    }
  } finally {
    // A step still queued (the run stopped, or failed) must finish before the model is used
    // again; then the cache is left as the unpipelined loop leaves it, without that step's
    // token (read again when the run continues): what the engine was told is what it holds.
    // The same after a wrong guess whose re-run never came.
    await settle(ahead);
    if (model.position > known.length) model.truncate(known.length);
  }
}

/** A queued step and what it was queued with. */
interface Step {
  settings: SamplingSettings;
  /** The uniform draw for the token this step chooses (0 when greedy). */
  u: number;
  readback: Promise<StepReadback>;
  t0: number;
  /** Why the GPU does not choose this step's token ('' when it does). */
  blocker: string;
  forwardTokens: number;
}

/** Waits for a queued step whose result is not wanted. */
async function settle(step: Step | null): Promise<void> {
  if (step) await step.readback.catch(() => {});
}

/** Every candidate logit and normaliser a number: a finite model never yields NaN or Inf. */
function finiteReadback(r: StepReadback): boolean {
  const { lse } = r;
  return (
    Number.isFinite(lse.max) &&
    Number.isFinite(lse.sumExp) &&
    r.candidates.every((c) => Number.isFinite(c.logit))
  );
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

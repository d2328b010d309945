/**
 * The playground's state as plain data: what the EngineController holds and the components
 * render (the loaded model, loading progress, the output tokens, the run's figures), and the
 * pure helpers that make them from the engine's steps.
 */
import type { CandidateProb } from '../generation/sampler.ts';
import type { TokenStep } from '../generation/generate.ts';
import type { SamplingSettings } from '../generation/sampling-settings.ts';
import type { Gpt2Config } from '../model/config.ts';
import type { WeightStorage } from '../model/weights.ts';
import { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';
import { tokenTexts } from '../tokenizer/streaming-decoder.ts';
import { addTimedStep, EMPTY_KERNEL_FIGURES, type KernelFigures } from './kernel-figures.ts';
import type { ModelChoice } from './model-choices.ts';
import type { AblationSettings } from './interventions/ablation.ts';

/** Alternatives kept with each token for the popover and the temperature chart. */
export const ALTERNATIVES_SHOWN = 10;

export interface LoadedModel {
  choice: ModelChoice;
  label: string;
  /** Where the files came from, as the source describes it. */
  description: string;
  storage: WeightStorage;
  config: Gpt2Config;
  fromCache: boolean;
}

export interface LoadingState {
  choice: ModelChoice;
  label: string;
  storage: WeightStorage;
  /** The file being read ('' before the first byte). */
  file: string;
  loaded: number;
  total: number;
  fromCache: boolean;
  /** Over the last few seconds; null until measurable. */
  bytesPerSecond: number | null;
  /** The weights are on the GPU; the kernels are being compiled. */
  compiling: boolean;
}

/** One of the top tokens of a step, with its text. */
export interface Alternative extends CandidateProb {
  text: string;
}

/** One token of the output and how it was chosen. */
export interface OutputToken {
  id: number;
  /** Text this token completes ('' when it holds only the start of a multi-byte character). */
  text: string;
  /** Probability of this token under `settings` (0 for a filtered alternative chosen by hand). */
  prob: number;
  /** The top tokens at this step, best first (the engine's candidates, with text). */
  alternatives: readonly Alternative[];
  /** Every candidate the GPU read back for this step, best first (a what-if replays them). */
  candidates: readonly CandidateProb[];
  settings: SamplingSettings;
  /** Chosen by the user from the alternatives (a branch) rather than sampled. */
  branched: boolean;
  usedFullLogits: boolean;
  /** Whether the GPU went on without waiting for the CPU after it, and if not why (see TokenStep). */
  pipeline?: { ahead: boolean; note: string };
  /** The heads ablated when it was drawn (null or absent: the model as loaded). */
  intervention?: AblationSettings | null;
}

export interface RunFigures {
  /** From Generate/Continue to the first token on screen. */
  ttftMs: number | null;
  /** The forward pass over the tokens the cache lacked (the prompt, on a new run). */
  prefillMs: number | null;
  prefillTokens: number;
  /** Mean wall time per token after the first. */
  msPerToken: number | null;
  tokensPerSecond: number | null;
  /** Tokens of the run so far, and those after which the GPU went on without waiting. */
  tokens: number;
  aheadTokens: number;
  /** GPU time per kind of kernel, from the steps timed with timestamp queries. */
  kernels: KernelFigures;
}

export const EMPTY_FIGURES: RunFigures = {
  ttftMs: null,
  prefillMs: null,
  prefillTokens: 0,
  msPerToken: null,
  tokensPerSecond: null,
  tokens: 0,
  aheadTokens: 0,
  kernels: EMPTY_KERNEL_FIGURES,
};

/** A generated step as the output shows it. */
export function outputToken(tokenizer: Gpt2Tokenizer, step: TokenStep): OutputToken {
  return {
    id: step.id,
    text: step.text,
    prob: step.prob,
    alternatives: alternativesOf(tokenizer, step),
    candidates: step.candidates,
    settings: step.settings,
    branched: false,
    usedFullLogits: step.usedFullLogits,
    pipeline: step.pipeline,
  };
}

/** The top candidates of a step with their text, plus the chosen token if it ranked lower. */
function alternativesOf(tokenizer: Gpt2Tokenizer, step: TokenStep): Alternative[] {
  const shown = step.candidates.slice(0, ALTERNATIVES_SHOWN);
  if (!shown.some((c) => c.id === step.id)) {
    shown.push(
      step.candidates.find((c) => c.id === step.id) ?? {
        id: step.id,
        logit: NaN,
        prob: step.prob,
        probBeforeFilter: NaN,
        modelProb: NaN,
      },
    );
  }
  return shown.map((c) => ({ ...c, text: tokenizer.decode([c.id]) }));
}

/** `tokens` with the text of every token from `from` on decoded again (after a branch). */
export function withTexts(
  tokenizer: Gpt2Tokenizer,
  tokens: readonly OutputToken[],
  from: number,
): OutputToken[] {
  const texts = tokenTexts(
    tokenizer,
    tokens.map((t) => t.id),
    from,
  );
  return tokens.map((t, i) => (i < from ? t : { ...t, text: texts[i - from] }));
}

/**
 * The run's figures after `step`: time to first token and prefill from the first step, then
 * the mean time per token after it (`sinceFirstMs`), and the kernel times of timed steps.
 */
export function withStep(
  figures: RunFigures,
  step: TokenStep,
  sinceStartMs: number,
  sinceFirstMs: number,
): RunFigures {
  const ahead = step.pipeline.ahead ? 1 : 0;
  let next: RunFigures;
  if (step.index === 0) {
    next = {
      ...EMPTY_FIGURES,
      ttftMs: sinceStartMs,
      prefillMs: step.timings.forwardMs,
      prefillTokens: step.forwardTokens,
      tokens: 1,
      aheadTokens: ahead,
    };
  } else {
    const msPerToken = sinceFirstMs / step.index;
    next = {
      ...figures,
      msPerToken,
      tokensPerSecond: 1000 / msPerToken,
      tokens: figures.tokens + 1,
      aheadTokens: figures.aheadTokens + ahead,
    };
  }
  return step.stats.kernelMs ? { ...next, kernels: addTimedStep(next.kernels, step) } : next;
}

/**
 * Where the intervention views get their numbers: plain data the engine computes on the GPU,
 * through the EngineController (one job on the engine at a time). A method answers null when
 * there is nothing to compute (no model, no intervention) or tokens are streaming.
 */
import type { NextTokenComparison } from '../../inspect/next-token-compare.ts';
import type { PatchingSource } from './patching-view.ts';
import type { AttributionSource } from './dla-view.ts';
import { Gpt2Tokenizer } from '../../tokenizer/gpt2-tokenizer.ts';
import type { EngineController } from '../engine-controller.ts';

export type { NextTokenComparison };

export interface InterventionSource extends PatchingSource, AttributionSource {
  /** The next token after the text on screen, with and without the ablation. */
  compare(topN: number): Promise<NextTokenComparison | null>;
  /** Text of token ids (the tokenizer; no GPU behind it). */
  decode(ids: readonly number[]): string;
}

const sources = new WeakMap<EngineController, InterventionSource>();
let tokenizer: Gpt2Tokenizer | undefined;

/** One source per controller, so views see a stable object across renders. */
export function interventionSource(c: EngineController): InterventionSource {
  let s = sources.get(c);
  if (!s) {
    s = {
      compare: (topN) => c.compareNextToken(topN),
      patch: (request, options) => c.patch(request, options),
      attribute: (ids, tokenId) => c.attribute(ids, tokenId),
      decode: (ids) => (tokenizer ??= new Gpt2Tokenizer()).decode(ids),
    };
    sources.set(c, s);
  }
  return s;
}

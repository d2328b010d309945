/**
 * Where the inspector gets its numbers, and the shell's side of it: plain data computed on
 * the GPU by the engine (through the EngineController), never a GPU object. A method answers
 * null when no model is loaded or tokens are streaming. One source per controller, so the
 * views see a stable object across renders.
 */
import type { AttentionMap } from '../../generation/gpt2-engine.ts';
import type { LogitLensRow } from '../../model/gpt2-model.ts';
import { Gpt2Tokenizer } from '../../tokenizer/gpt2-tokenizer.ts';
import type { EngineController } from '../engine-controller.ts';
import type { RunExportInput } from './export-run.ts';

export type { AttentionMap, LogitLensRow };

export interface InspectorSource {
  /** One head's attention over the tokens in the KV cache (engine.attention). */
  attention(layer: number, head: number): Promise<AttentionMap | null>;
  /** The logit lens at a cached position (engine.logitLens); absent: the lens is not offered. */
  logitLens?(position: number, topN: number): Promise<readonly LogitLensRow[] | null>;
  /** Text of token ids (the tokenizer; no GPU behind it). */
  decode(ids: readonly number[]): string;
}

const sources = new WeakMap<EngineController, InspectorSource>();
/** Token text only (the byte table is shared by every instance); made on first use. */
let tokenizer: Gpt2Tokenizer | undefined;

export function inspectorSource(c: EngineController): InspectorSource {
  let s = sources.get(c);
  if (!s) {
    s = {
      attention: (layer, head) => c.attention(layer, head),
      logitLens: (position, topN) => c.logitLens(position, topN),
      decode: (ids) => (tokenizer ??= new Gpt2Tokenizer()).decode(ids),
    };
    sources.set(c, s);
  }
  return s;
}

/** The run as the export describes it; null while there is no output. */
export function runInputFrom(c: EngineController): RunExportInput | null {
  if (!c.output.length) return null;
  return {
    model: c.model,
    adapter: c.gpuStatus.state === 'ready' ? c.gpuStatus.adapterName : null,
    prompt: c.prompt,
    promptIds: c.promptIds,
    settings: c.settings,
    output: c.output,
    stopReason: c.stopReason,
    figures: c.figures,
    intervention: c.ablation.heads.length ? c.ablation : null,
    roles: c.headRoles,
  };
}

/**
 * What the shell hands the inspector views, made from the EngineController's public side:
 * an InspectorSource (attention maps, logit lens, token text: plain data, no GPU object)
 * and the run for the JSON export. One source per controller, so the views see a stable
 * object across renders.
 */
import type { EngineController } from './engine-controller.ts';
import type { InspectorSource } from './attention-panel.ts';
import type { RunExportInput } from './export-run.ts';
import { Gpt2Tokenizer } from '../tokenizer/gpt2-tokenizer.ts';

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
    promptIds: c.promptPieces.length ? c.promptPieces.map((p) => p.id) : [Gpt2Tokenizer.EOT],
    settings: c.settings,
    output: c.output,
    stopReason: c.stopReason,
    figures: c.figures,
  };
}

/**
 * Head ablation for the engine: parsing the user's words for it (layer.head lists, a mode)
 * and putting it into every forward of a loaded engine.
 */
import type { Gpt2Engine } from '../generation/gpt2-engine.ts';
import {
  checkHeadAblation,
  HeadAblationHook,
  type AblationMode,
  type HeadAblation,
  type HeadRef,
} from '../model/head-ablation.ts';

export type { AblationMode, HeadAblation, HeadRef };

/** "0.0,3.2" -> heads (layer 0 head 0, layer 3 head 2). Range checks need the model. */
export function parseHeadList(raw: string): HeadRef[] {
  return raw.split(',').map((part) => {
    const m = /^\s*(\d+)\.(\d+)\s*$/.exec(part);
    if (!m) throw new RangeError(`"${part}" is not a head: write layer.head, e.g. 0.3`);
    return { layer: Number(m[1]), head: Number(m[2]) };
  });
}

/** "zero", "mean", "scale:0.5" (or "scale" with a separate factor) -> mode and factor. */
export function parseAblationMode(raw: string): { mode: AblationMode; scale: number } {
  const [mode, factor, ...rest] = raw.split(':');
  if (mode === 'zero' || mode === 'mean') {
    if (factor !== undefined) throw new RangeError(`ablation mode ${mode} takes no factor`);
    return { mode, scale: 0 };
  }
  if (mode === 'scale') {
    const scale = Number(factor);
    if (factor === undefined || factor.trim() === '' || rest.length || !Number.isFinite(scale)) {
      throw new RangeError(
        `scale ablation needs a finite factor, as scale:0.5 (got "${factor ?? ''}")`,
      );
    }
    return { mode, scale };
  }
  throw new RangeError(`unknown ablation mode "${raw}": use zero, mean or scale:FACTOR`);
}

/**
 * Runs every later forward of `engine` with `ablation` (null: no intervention) and returns
 * the hook, which the caller destroys once it is replaced. The KV cache is dropped: the next
 * run prefills its prompt, which is also where mean ablation takes its means.
 */
export function applyHeadAblation(
  engine: Gpt2Engine,
  ablation: HeadAblation | null,
): HeadAblationHook | null {
  if (!ablation || ablation.heads.length === 0) {
    engine.setForwardHook(null);
    return null;
  }
  checkHeadAblation(ablation, engine.config);
  const hook = new HeadAblationHook(engine.gpu, engine.config, engine.model.activations, ablation);
  engine.setForwardHook(hook);
  return hook;
}

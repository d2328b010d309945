/**
 * Keeps the engine's intervention in line with the user's: the EngineController holds one and
 * calls `sync` at the start of every job on the engine (a run, a view's numbers), inside the
 * job's turn, so the hook only changes between runs and every run, map and lens is of the
 * model the user sees described. Holds the one ablation hook alive on the GPU and frees it
 * when it is replaced.
 *
 * Mean ablation takes each head's mean over the prompt's positions: a new hook takes them at
 * once (a prefill of the prompt), and a new run from the prompt (`fresh`) takes them again.
 */
import type { Gpt2Engine } from '../../generation/gpt2-engine.ts';
import { applyHeadAblation } from '../../inspect/interventions.ts';
import type { HeadAblationHook } from '../../model/head-ablation.ts';
import { ablationKey, engineAblation, NO_ABLATION, type AblationSettings } from './ablation.ts';

export class InterventionManager {
  /** What the user asked for; applies at the next job on the engine. */
  ablation: AblationSettings = NO_ABLATION;
  private hook: HeadAblationHook | null = null;
  private engine: Gpt2Engine | null = null;
  private appliedKey = '';

  /** The user's ablation when it changes anything (a run records it), else null. */
  get active(): AblationSettings | null {
    return engineAblation(this.ablation) ? this.ablation : null;
  }

  /**
   * Makes `engine` run with the user's ablation. Work that ran the model with a hook of its
   * own (patching) leaves another hook behind: that is noticed and the ablation put back.
   */
  async sync(engine: Gpt2Engine, promptIds: readonly number[], fresh: boolean): Promise<void> {
    const key = ablationKey(this.ablation);
    const current = engine === this.engine && engine.model.forwardHook === this.hook;
    if (current && key === this.appliedKey) {
      if (fresh && this.hook && this.ablation.mode === 'mean') {
        this.hook.resetMean();
        engine.dropCache();
      }
      return;
    }
    const old = this.hook;
    this.hook = null;
    this.appliedKey = '';
    this.engine = engine;
    // Throws (a RangeError naming the head) before touching the engine when it does not fit.
    this.hook = applyHeadAblation(engine, engineAblation(this.ablation));
    this.appliedKey = key;
    old?.destroy();
    if (this.hook && this.ablation.mode === 'mean' && promptIds.length) {
      await engine.logitsAfter(promptIds);
    }
  }

  /** Frees the hook (the engine is being unloaded or was lost). */
  release(): void {
    this.hook?.destroy();
    this.hook = null;
    this.engine = null;
    this.appliedKey = '';
  }
}

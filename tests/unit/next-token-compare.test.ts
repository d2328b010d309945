import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { applyHeadAblation, type HeadAblation } from '../../src/inspect/interventions.ts';
import { compareLogits, compareNextToken } from '../../src/inspect/next-token-compare.ts';
import { headAblationHooks, lastLogitsRef } from '../../src/reference/interventions.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

const SHAPE = { nLayer: 3, nHead: 3, nEmbd: 36, nPositions: 30, vocabSize: 211, nInner: 70 };
const PROMPT = [5, 200, 17, 17, 3, 150, 42];

/** The same numbers the plain way: softmaxes, then sum p log(p / q). */
function klRef(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const soft = (x: ArrayLike<number>) => {
    const m = Math.max(...Array.from(x));
    const e = Array.from(x, (v) => Math.exp(v - m));
    const s = e.reduce((u, v) => u + v, 0);
    return e.map((v) => v / s);
  };
  const p = soft(a);
  const q = soft(b);
  return p.reduce((acc, pv, v) => acc + (pv > 0 ? pv * Math.log(pv / q[v]) : 0), 0);
}

describe('compareLogits', () => {
  it('ranks both distributions, pairs each token with its other probability and gives the KL', () => {
    const original = [2, 0, 1, -1];
    const intervened = [0, 2, 1, -1];
    const r = compareLogits([7], original, intervened, 4, 3);
    expect(r.original.map((t) => t.id)).toEqual([0, 2, 1]);
    expect(r.intervened.map((t) => t.id)).toEqual([1, 2, 0]);
    // The same token has the same pair of probabilities in both lists.
    expect(r.original[0]).toEqual(r.intervened[2]);
    const z = Math.exp(2) + Math.exp(0) + Math.exp(1) + Math.exp(-1);
    expect(r.original[0].original).toBeCloseTo(Math.exp(2) / z, 12);
    expect(r.original[0].intervened).toBeCloseTo(Math.exp(0) / z, 12);
    expect(r.kl).toBeCloseTo(klRef(original, intervened), 12);
    expect(r.kl).toBeGreaterThan(0.1);
  });

  it('is 0 for equal logits, finite where a token all but vanishes, and only reads the sampled vocabulary', () => {
    expect(compareLogits([1], [1, 2, 3], [1, 2, 3], 3).kl).toBe(0);
    const far = compareLogits([1], [0, 0], [0, -1e4], 2);
    expect(Number.isFinite(far.kl)).toBe(true);
    expect(far.kl).toBeGreaterThan(1000);
    // Entries past `vocab` (padding rows) take no part.
    const r = compareLogits([1], [0, 0, 50], [0, 0, -50], 2);
    expect(r.kl).toBe(0);
    expect(r.original.map((t) => t.id)).toEqual([0, 1]);
  });

  it('refuses logits shorter than the vocabulary', () => {
    expect(() => compareLogits([1], [0], [0, 1], 2)).toThrow(/needs 2 logits each/);
  });
});

describe('compareNextToken on the GPU', () => {
  const t = useTestGpu();

  it('gives the original and the ablated model’s next token as the reference computes them, and keeps the intervention', async () => {
    const { files, config, ref } = randomModel(SHAPE, { seed: 41 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    const ablation: HeadAblation = {
      heads: [
        { layer: 0, head: 1 },
        { layer: 1, head: 2 },
      ],
      mode: 'zero',
      scale: 0,
    };
    const hook = applyHeadAblation(engine, ablation);
    try {
      const r = await compareNextToken(engine, PROMPT, 5);
      const plain = lastLogitsRef(config, ref, PROMPT);
      const ablated = lastLogitsRef(config, ref, PROMPT, headAblationHooks(config, ablation));
      const want = compareLogits(PROMPT, plain, ablated, config.vocabSize, 5);
      expect(r.original.map((x) => x.id)).toEqual(want.original.map((x) => x.id));
      expect(r.intervened.map((x) => x.id)).toEqual(want.intervened.map((x) => x.id));
      for (const [got, ex] of [
        [r.original, want.original],
        [r.intervened, want.intervened],
      ] as const) {
        got.forEach((g, i) => {
          expect(Math.abs(g.original - ex[i].original)).toBeLessThan(1e-4);
          expect(Math.abs(g.intervened - ex[i].intervened)).toBeLessThan(1e-4);
        });
      }
      expect(Math.abs(r.kl - want.kl)).toBeLessThan(1e-3 + 1e-2 * want.kl);
      expect(r.kl).toBeGreaterThan(1e-3);
      // The intervention is still on, and the cache holds the context under it.
      expect(engine.model.forwardHook).toBe(hook);
      expect(engine.cachedIds).toEqual(PROMPT);
      const again = await engine.logitsAfter(PROMPT);
      let diff = 0;
      for (let v = 0; v < config.vocabSize; v++)
        diff = Math.max(diff, Math.abs(again[v] - ablated[v]));
      expect(diff).toBeLessThan(1e-3);
    } finally {
      engine.setForwardHook(null);
      hook?.destroy();
      engine.unload();
    }
  });

  it('with no intervention both sides are the same and the KL is 0', async () => {
    const { files } = randomModel(SHAPE, { seed: 42 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const r = await compareNextToken(engine, PROMPT, 4);
      expect(r.kl).toBe(0);
      expect(r.intervened).toEqual(r.original);
      await expect(compareNextToken(engine, [])).rejects.toThrow(/at least 1 token/);
    } finally {
      engine.unload();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { selectFromFullLogits } from '../../src/generation/sampler.ts';
import { entropyBits, stepWhatIf } from '../../src/generation/step-what-if.ts';
import { randomF32 } from '../helpers/random.ts';

/** A whole (small) vocabulary recorded as a step's candidates, as the sampler orders them. */
function recorded(logits: Float32Array) {
  const full = selectFromFullLogits(logits, { temperature: 1, topK: 0, topP: 1, seed: 0 }, 0.5);
  return full.distribution.map((c) => ({ id: c.id, logit: c.logit, modelProb: c.modelProb }));
}

describe('stepWhatIf', () => {
  it('hand-computable: three tokens, temperature, top-k and top-p cut-offs', () => {
    const c = [
      { id: 7, logit: Math.log(4), modelProb: 0.5 },
      { id: 3, logit: Math.log(2), modelProb: 0.25 },
      { id: 9, logit: Math.log(1), modelProb: 0.125 },
      { id: 1, logit: Math.log(1), modelProb: 0.125 },
    ];
    const plain = stepWhatIf(c, 3, { temperature: 1, topK: 0, topP: 1 });
    expect(plain.rows.map((r) => r.finalProb)).toEqual([0.5, 0.25, 0.125, 0.125]);
    expect(plain.chosenRank).toBe(2);
    expect(plain.chosenProb).toBe(0.25);
    expect(plain.modelEntropy).toBeCloseTo(1.75, 12);
    expect(plain.topKCut).toBeNull();
    expect(plain.topPCut).toBeNull();
    expect(plain.coverage).toBe(1);

    // T = 0.5 squares the odds: 16 : 4 : 1 : 1.
    const cold = stepWhatIf(c, 7, { temperature: 0.5, topK: 0, topP: 1 });
    expect(cold.rows.map((r) => r.tempProb * 22)).toEqual(
      [16, 4, 1, 1].map((x) => expect.closeTo(x, 12)),
    );

    // top-k 3 keeps the tie at the 3rd value (HF: >= the k-th): all four stay.
    expect(stepWhatIf(c, 7, { temperature: 1, topK: 3, topP: 1 }).topKCut).toBeNull();
    const k2 = stepWhatIf(c, 9, { temperature: 1, topK: 2, topP: 1 });
    expect(k2.topKCut).toBe(2);
    expect(k2.rows.map((r) => r.finalProb)).toEqual([2 / 3, 1 / 3, 0, 0]);
    expect(k2.chosenProb).toBe(0);
    expect(k2.finalEntropy).toBeCloseTo(entropyBits([2 / 3, 1 / 3]), 12);

    // top-p 0.6: 0.5 is short of it, 0.75 reaches it: two kept.
    const p = stepWhatIf(c, 7, { temperature: 1, topK: 0, topP: 0.6 });
    expect(p.topPCut).toBe(2);
    expect(p.kept).toBe(2);

    // Greedy: the point mass on the first, the model's probabilities kept beside it.
    const g = stepWhatIf(c, 7, { temperature: 0, topK: 40, topP: 0.9 });
    expect(g.rows.map((r) => r.finalProb)).toEqual([1, 0, 0, 0]);
    expect(g.rows[1].modelProb).toBe(0.25);
    expect(g.finalEntropy).toBe(0);
  });

  it('over a whole vocabulary it gives the sampler’s own distribution', () => {
    for (const [seed, V] of [
      [1, 5],
      [2, 37],
      [3, 63],
    ]) {
      const logits = randomF32(V, seed, 4);
      const c = recorded(logits);
      for (const s of [
        { temperature: 0.7, topK: 0, topP: 1 },
        { temperature: 1.3, topK: 5, topP: 1 },
        { temperature: 0.9, topK: 0, topP: 0.8 },
        { temperature: 0.5, topK: 11, topP: 0.6 },
      ]) {
        const sampled = selectFromFullLogits(logits, { ...s, seed: 0 }, 0.37);
        const w = stepWhatIf(c, sampled.token, s);
        expect(w.coverage).toBeCloseTo(1, 6);
        w.rows.forEach((r, i) => {
          expect(r.id).toBe(sampled.distribution[i].id);
          expect(r.finalProb).toBeCloseTo(sampled.distribution[i].prob, 6);
          expect(r.tempProb).toBeCloseTo(sampled.distribution[i].probBeforeFilter, 6);
        });
        expect(w.chosenProb).toBeCloseTo(sampled.prob, 6);
      }
    }
  });

  it('refuses unsorted or empty candidates', () => {
    expect(() => stepWhatIf([], 0, { temperature: 1, topK: 0, topP: 1 })).toThrow(RangeError);
    expect(() =>
      stepWhatIf(
        [
          { id: 0, logit: 1, modelProb: 0.3 },
          { id: 1, logit: 2, modelProb: 0.7 },
        ],
        0,
        { temperature: 1, topK: 0, topP: 1 },
      ),
    ).toThrow(/sorted/);
  });
});

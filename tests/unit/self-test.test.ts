import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import {
  compareLogits,
  parseSelfTestReference,
  ReferenceFormatError,
  runSelfTest,
  type SelfTestReference,
} from '../../src/generation/self-test.ts';
import type { Gpt2Config } from '../../src/model/config.ts';
import { gpt2ForwardRef, type Gpt2RefWeights } from '../../src/reference/gpt2.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Small and not round, as in gpt2-model.test.ts: HS = 16 with 3 heads, V a prime.
const SHAPE = { nLayer: 2, nHead: 3, nEmbd: 48, nPositions: 40, vocabSize: 397, nInner: 100 };
const PROMPTS = [
  { text: 'first', ids: [5, 300, 17, 17, 396, 0, 42] },
  { text: 'second', ids: [250] },
];
const STEPS = 6;

function lastRow(config: Gpt2Config, ref: Gpt2RefWeights, ids: number[]): Float64Array {
  const V = config.vocabSize;
  return gpt2ForwardRef(config, ref, ids).slice((ids.length - 1) * V, ids.length * V);
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** The reference file the training script writes, computed here by the CPU reference (float64). */
function referenceJson(config: Gpt2Config, ref: Gpt2RefWeights) {
  return {
    description: 'CPU reference of a random checkpoint',
    prompts: PROMPTS.map(({ text, ids }) => {
      const logits = lastRow(config, ref, ids);
      const sorted = [...logits].sort((a, b) => b - a);
      const seq = [...ids];
      const greedy: number[] = [];
      for (let s = 0; s < STEPS; s++) {
        const next = argmax(lastRow(config, ref, seq));
        greedy.push(next);
        seq.push(next);
      }
      return {
        text,
        ids,
        logits_last: [...logits],
        greedy,
        top1_margin: sorted[0] - sorted[1],
      };
    }),
  };
}

describe('self-test against reference values', () => {
  const t = useTestGpu();
  const { files, config, ref } = randomModel(SHAPE, { seed: 11 });
  const json = referenceJson(config, ref);

  it('passes on a correct GPU path (f32 and f16 storage) and reports the error', async () => {
    const reference = parseSelfTestReference(json, config.vocabSize);
    for (const storage of ['f32', 'f16'] as const) {
      const engine = await Gpt2Engine.load(t.gpu, files, { storage });
      try {
        const seen: number[] = [];
        const report = await runSelfTest(engine, reference, {
          onProgress: (p) => seen.push(p.prompt),
        });
        expect(seen).toEqual([0, 1]);
        expect(report.storage).toBe(storage);
        expect(report.relTol).toBe(storage === 'f32' ? 1e-3 : 2e-2);
        for (const p of report.prompts) {
          expect(p.problems, `${storage} ${p.text}`).toEqual([]);
          expect(p.pass).toBe(true);
          expect(p.logitRange).toBeGreaterThan(0);
          expect(p.greedyGot.length).toBeGreaterThan(0);
        }
        expect(report.pass).toBe(true);
        expect(report.passed).toBe(2);
        // f32 weights: only float rounding apart; f16: the weights' rounding shows.
        expect(report.worstRelError).toBeLessThan(storage === 'f32' ? 1e-5 : 2e-2);
        expect(report.worstRelError).toBeGreaterThan(0);
        if (storage === 'f32') {
          for (const p of report.prompts) expect(p.greedyGot).toEqual(p.greedyExpected);
        }
      } finally {
        engine.unload();
      }
    }
  });

  it('fails on wrong logits, naming the error and the token', async () => {
    const wrong = structuredClone(json);
    const p = wrong.prompts[0];
    const range = Math.max(...p.logits_last) - Math.min(...p.logits_last);
    p.logits_last[123] += 0.01 * range; // 1% of the range: ten times the f32 tolerance
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const report = await runSelfTest(engine, parseSelfTestReference(wrong), {
        maxGreedySteps: 2,
      });
      expect(report.pass).toBe(false);
      expect(report.passed).toBe(1);
      const r = report.prompts[0];
      expect(r.logitsOk).toBe(false);
      expect(r.greedyOk).toBe(true);
      expect(r.worstId).toBe(123);
      expect(r.relError).toBeCloseTo(0.01, 4);
      expect(r.problems[0]).toMatch(/logits differ .* 1\.00e-2 of their range .* token 123/);
      expect(report.prompts[1].pass).toBe(true);
    } finally {
      engine.unload();
    }
  });

  it('fails on a wrong greedy token unless a near-tie excuses it', async () => {
    const wrong = structuredClone(json);
    const p = wrong.prompts[0];
    const bad = (p.greedy[2] + 1) % config.vocabSize;
    p.greedy[2] = bad;
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const strict = await runSelfTest(engine, parseSelfTestReference(wrong), { tieMargin: 0 });
      const r = strict.prompts[0];
      expect(strict.pass).toBe(false);
      expect(r.logitsOk).toBe(true);
      expect(r.greedyOk).toBe(false);
      expect(r.agreeSteps).toBe(2);
      expect(r.greedyGot).toEqual([...json.prompts[0].greedy.slice(0, 3)]);
      expect(r.problems).toEqual([
        `greedy tokens differ at step 2: got ${json.prompts[0].greedy[2]}, want ${bad} (no near-tie before it)`,
      ]);
      // The same difference after a gap smaller than the tie margin is a legitimate one.
      const lenient = await runSelfTest(engine, parseSelfTestReference(wrong), {
        tieMargin: 1e9,
      });
      expect(lenient.pass).toBe(true);
      expect(lenient.prompts[0].tie?.step).toBe(0);
    } finally {
      engine.unload();
    }
  });

  it('rejects reference files that do not fit the format or the model', () => {
    const bad = (mutate: (j: ReturnType<typeof referenceJson>) => void, vocab?: number) => {
      const j = structuredClone(json);
      mutate(j);
      return () => parseSelfTestReference(j, vocab);
    };
    expect(() => parseSelfTestReference(null)).toThrow(ReferenceFormatError);
    expect(() => parseSelfTestReference({ prompts: [] })).toThrow(/non-empty array/);
    expect(
      bad((j) => {
        j.prompts[1].ids = [];
      }),
    ).toThrow(/prompts\[1\]\.ids/);
    expect(bad((j) => (j.prompts[0].logits_last[7] = NaN))).toThrow(/logits_last\[7\]/);
    expect(bad(() => {}, 50257)).toThrow(/397 values, the model's vocabulary 50257/);
    expect(bad((j) => (j.prompts[0].greedy = [1.5]))).toThrow(/prompts\[0\]\.greedy/);
    const ok: SelfTestReference = parseSelfTestReference(json, 397);
    expect(ok.prompts[0].logitsLast).toBeInstanceOf(Float64Array);
    expect(ok.prompts[0].top1Margin).toBeGreaterThanOrEqual(0);
  });

  it('compares logits relative to their range, and NaN never passes', () => {
    expect(compareLogits([1, 2.5, 3], [1, 2, 3])).toEqual({
      maxAbsError: 0.5,
      worstId: 1,
      range: 2,
      relError: 0.25,
    });
    expect(compareLogits([1, NaN, 3], [1, 2, 3]).relError).toBe(Infinity);
    expect(() => compareLogits([1], [1, 2])).toThrow(RangeError);
  });
});

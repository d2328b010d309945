import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import {
  applyHeadAblation,
  parseAblationMode,
  parseHeadList,
  type HeadAblation,
} from '../../src/inspect/interventions.ts';
import { gpt2ForwardRef } from '../../src/reference/gpt2.ts';
import { headAblationHooks, lastLogitsRef } from '../../src/reference/interventions.ts';
import { expectClose } from '../helpers/compare.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Odd shapes: HS = 12 with 3 heads, nInner != 4C, V prime.
const SHAPE = { nLayer: 3, nHead: 3, nEmbd: 36, nPositions: 30, vocabSize: 211, nInner: 70 };
const PROMPT = [5, 200, 17, 17, 3, 150, 42];
const HEADS = [
  { layer: 0, head: 1 },
  { layer: 2, head: 2 },
  { layer: 2, head: 0 },
];
const TOL = { f32: 1e-3, f16: 2e-3 };

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

describe('ablation options', () => {
  it('parse layer.head lists and modes, and say what is wrong', () => {
    expect(parseHeadList('0.0,3.2')).toEqual([
      { layer: 0, head: 0 },
      { layer: 3, head: 2 },
    ]);
    expect(() => parseHeadList('0.0,3')).toThrow(/"3" is not a head: write layer.head/);
    expect(parseAblationMode('zero')).toEqual({ mode: 'zero', scale: 0 });
    expect(parseAblationMode('mean')).toEqual({ mode: 'mean', scale: 0 });
    expect(parseAblationMode('scale:0.5')).toEqual({ mode: 'scale', scale: 0.5 });
    expect(() => parseAblationMode('scale:abc')).toThrow(/finite factor/);
    expect(() => parseAblationMode('scale:Infinity')).toThrow(/finite factor/);
    expect(() => parseAblationMode('scale')).toThrow(/finite factor/);
    expect(() => parseAblationMode('half')).toThrow(/unknown ablation mode "half"/);
  });
});

describe('head ablation on the GPU', () => {
  const t = useTestGpu();

  for (const storage of ['f32', 'f16'] as const) {
    for (const [mode, scale] of [
      ['zero', 0],
      ['mean', 0],
      ['scale', 0.5],
      ['scale', -1.75],
    ] as const) {
      it(`${mode}${mode === 'scale' ? ` ${scale}` : ''} (${storage}): prefill and cached decode equal the reference (atol ${TOL[storage]})`, async () => {
        const { files, config, ref } = randomModel(SHAPE, {
          seed: 31,
          roundToF16: storage === 'f16',
        });
        const engine = await Gpt2Engine.load(t.gpu, files, { storage });
        const ablation: HeadAblation = { heads: HEADS, mode, scale };
        const hook = applyHeadAblation(engine, ablation);
        try {
          const hooks = headAblationHooks(config, ablation, PROMPT.length);
          const plain = lastLogitsRef(config, ref, PROMPT);
          const want = lastLogitsRef(config, ref, PROMPT, hooks);
          const got = await engine.logitsAfter(PROMPT);
          const label = `${mode} ${storage}`;
          expectClose(got, want, { atol: TOL[storage], rtol: 0, label: `${label} prefill` });
          // The intervention shows: the logits moved well beyond the tolerance.
          let moved = 0;
          for (let v = 0; v < plain.length; v++)
            moved = Math.max(moved, Math.abs(plain[v] - want[v]));
          expect(moved).toBeGreaterThan(20 * TOL[storage]);
          // Two tokens through the KV cache; mean ablation keeps the prompt's means.
          const ids = [...PROMPT];
          for (const next of [9, 120]) {
            ids.push(next);
            const step = await engine.logitsAfter(ids);
            expectClose(step, lastLogitsRef(config, ref, ids, hooks), {
              atol: TOL[storage],
              rtol: 0,
              label: `${label} decode at ${ids.length}`,
            });
          }
        } finally {
          engine.setForwardHook(null);
          hook?.destroy();
          engine.unload();
        }
      });
    }
  }

  it('ablating no head, or scaling by 1, changes no logit at all', async () => {
    const { files } = randomModel(SHAPE, { seed: 32 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const before = await engine.logitsAfter(PROMPT);
      expect(applyHeadAblation(engine, { heads: [], mode: 'zero', scale: 0 })).toBeNull();
      expect(await engine.logitsAfter(PROMPT)).toEqual(before);
      const one = applyHeadAblation(engine, { heads: HEADS, mode: 'scale', scale: 1 });
      expect(await engine.logitsAfter(PROMPT)).toEqual(before);
      engine.setForwardHook(null);
      one?.destroy();
      expect(await engine.logitsAfter(PROMPT)).toEqual(before);
    } finally {
      engine.unload();
    }
  });

  it('greedy generation under mean ablation equals recomputing each step on the reference', async () => {
    const { files, config, ref } = randomModel(SHAPE, { seed: 33 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    const ablation: HeadAblation = { heads: HEADS, mode: 'mean', scale: 0 };
    const hook = applyHeadAblation(engine, ablation);
    try {
      const greedy = { temperature: 0, topK: 0, topP: 1, seed: 0 };
      const got: number[] = [];
      for await (const step of engine.generate({
        contextIds: PROMPT,
        maxNewTokens: 8,
        settings: () => greedy,
        stopAtEndOfText: false,
      })) {
        got.push(step.id);
      }
      const hooks = headAblationHooks(config, ablation, PROMPT.length);
      const seq = [...PROMPT];
      for (let s = 0; s < 8; s++) {
        const V = config.vocabSize;
        const logits = gpt2ForwardRef(config, ref, seq, undefined, hooks);
        seq.push(argmax(logits.subarray((seq.length - 1) * V)));
      }
      expect(got).toEqual(seq.slice(PROMPT.length));
    } finally {
      engine.setForwardHook(null);
      hook?.destroy();
      engine.unload();
    }
  });

  it('refuses heads that do not exist and scales that are not finite numbers', async () => {
    const { files } = randomModel(SHAPE, { seed: 34 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const bad = (a: HeadAblation) => () => applyHeadAblation(engine, a);
      expect(bad({ heads: [{ layer: 3, head: 0 }], mode: 'zero', scale: 0 })).toThrow(
        /layer 3 does not exist \(this model has layers 0..2\)/,
      );
      expect(bad({ heads: [{ layer: 0, head: 3 }], mode: 'zero', scale: 0 })).toThrow(
        /head 3 does not exist \(this model has heads 0..2\)/,
      );
      expect(bad({ heads: HEADS, mode: 'scale', scale: NaN })).toThrow(/finite number/);
      // Nothing was applied: the model runs as before.
      await engine.logitsAfter(PROMPT);
    } finally {
      engine.unload();
    }
  });
});

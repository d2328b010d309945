import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { applyHeadAblation } from '../../src/inspect/interventions.ts';
import { directLogitAttribution } from '../../src/inspect/logit-attribution.ts';
import { dlaRef, lastLogitsRef } from '../../src/reference/interventions.ts';
import { expectClose } from '../helpers/compare.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Odd shapes: HS = 12 with 3 heads, nInner != 4C, V prime.
const SHAPE = { nLayer: 3, nHead: 3, nEmbd: 36, nPositions: 30, vocabSize: 211, nInner: 70 };
const IDS = [5, 200, 17, 99, 3, 150, 42];
const TOKEN = 77;
const TOL = { f32: 1e-3, f16: 2e-3 };

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('direct logit attribution', () => {
  it('the reference parts plus beta sum to the logit (float64: to 1e-9)', () => {
    const { config, ref } = randomModel(SHAPE, { seed: 50 });
    const r = dlaRef(config, ref, IDS, TOKEN);
    expect(r.parts).toHaveLength(1 + config.nLayer * (config.nHead + 2));
    expect(r.logit).toBeCloseTo(lastLogitsRef(config, ref, IDS)[TOKEN], 9);
    expect(Math.abs(sum(r.parts.map((p) => p.value)) + r.beta - r.logit)).toBeLessThan(1e-9);
  });

  const t = useTestGpu();

  for (const storage of ['f32', 'f16'] as const) {
    it(`on the GPU equals the reference and sums to the logit (${storage}, atol ${TOL[storage]})`, async () => {
      const { files, config, ref } = randomModel(SHAPE, {
        seed: 51,
        roundToF16: storage === 'f16',
      });
      const engine = await Gpt2Engine.load(t.gpu, files, { storage });
      try {
        const got = await directLogitAttribution(engine, IDS, TOKEN);
        const want = dlaRef(config, ref, IDS, TOKEN);
        expect(got.ids).toEqual(IDS);
        expect(got.tokenId).toBe(TOKEN);
        expect(got.parts.map((p) => p.name)).toEqual(want.parts.map((p) => p.name));
        expect(got.parts.slice(0, 6).map((p) => p.name)).toEqual([
          'embed',
          'L0H0',
          'L0H1',
          'L0H2',
          'L0.attn_bias',
          'L0.mlp',
        ]);
        const tol = { atol: TOL[storage], rtol: 0 };
        expectClose(
          [got.logit, got.beta, ...got.parts.map((p) => p.value)],
          [want.logit, want.beta, ...want.parts.map((p) => p.value)],
          { ...tol, label: `${storage} logit, beta, parts` },
        );
        // The identity on the GPU's own numbers (f32 sums of the parts).
        expect(Math.abs(sum(got.parts.map((p) => p.value)) + got.beta - got.logit)).toBeLessThan(
          TOL[storage],
        );
        // The engine's plain logits after it agree (the attribution left no trace).
        const after = await engine.logitsAfter(IDS);
        expect(after[TOKEN]).toBeCloseTo(got.logit, 5);
      } finally {
        engine.unload();
      }
    });
  }

  it('attributes the intervened model under head ablation: an ablated head adds nothing', async () => {
    const { files } = randomModel(SHAPE, { seed: 52 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    const hook = applyHeadAblation(engine, {
      heads: [{ layer: 1, head: 2 }],
      mode: 'zero',
      scale: 0,
    });
    try {
      const got = await directLogitAttribution(engine, IDS, TOKEN);
      expect(got.parts.find((p) => p.name === 'L1H2')?.value).toBe(0);
      const ablated = await engine.logitsAfter(IDS);
      expect(got.logit).toBeCloseTo(ablated[TOKEN], 5);
      expect(Math.abs(sum(got.parts.map((p) => p.value)) + got.beta - got.logit)).toBeLessThan(
        1e-3,
      );
      await expect(directLogitAttribution(engine, IDS, 211)).rejects.toThrow(
        /211 is outside the vocabulary \(0..210\)/,
      );
    } finally {
      engine.setForwardHook(null);
      hook?.destroy();
      engine.unload();
    }
  });
});

import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { parseSelfTestReference, runSelfTest } from '../../src/generation/self-test.ts';
import { openModelDir } from '../../src/model/sources/node-dir-files.ts';
import { useTestGpu } from '../helpers/gpu.ts';

// The model shipped in weights/tiny-trained against the float64 forward that the training
// script computed independently of this engine (reference.json).
const DIR = 'weights/tiny-trained';

describe('the bundled model against its reference', () => {
  const t = useTestGpu();
  const reference = JSON.parse(readFileSync(`${DIR}/reference.json`, 'utf8')) as unknown;

  it('is a GPT-2 checkpoint small enough to ship', async () => {
    expect(statSync(`${DIR}/model.safetensors`).size).toBeLessThan(20 * 1024 * 1024);
    const files = await openModelDir(DIR);
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f16' });
    try {
      expect(engine.config.vocabSize).toBe(50257);
      expect(engine.config.nLayer).toBeGreaterThan(1);
    } finally {
      engine.unload();
    }
  });

  for (const [storage, steps] of [
    ['f32', 20],
    ['f16', 4],
  ] as const) {
    it(`${storage} storage: last-position logits and greedy ids (${steps} steps) match`, async () => {
      const files = await openModelDir(DIR);
      const engine = await Gpt2Engine.load(t.gpu, files, { storage });
      try {
        const parsed = parseSelfTestReference(reference, engine.config.vocabSize);
        expect(parsed.prompts.length).toBeGreaterThanOrEqual(3);
        const report = await runSelfTest(engine, parsed, { maxGreedySteps: steps });
        for (const p of report.prompts) {
          expect(p.problems, `${storage} "${p.text}"`).toEqual([]);
          expect(p.greedyGot.length).toBe(Math.min(steps, p.greedyExpected.length));
        }
        expect(report.pass).toBe(true);
        // f32: only float rounding apart from float64 (the file's F16 values are exact in f32).
        expect(report.worstRelError).toBeLessThan(storage === 'f32' ? 1e-4 : 2e-2);
      } finally {
        engine.unload();
      }
    });
  }

  it('has the previous-token head its README describes (layer 0, head 0)', async () => {
    const files = await openModelDir(DIR);
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      // The opening of Pride and Prejudice, from the reference file.
      const ids = (reference as { prompts: { ids: number[] }[] }).prompts[2].ids;
      const greedy = { temperature: 0, topK: 0, topP: 1, seed: 0 };
      for await (const step of engine.generate({
        contextIds: ids,
        maxNewTokens: 1,
        settings: () => greedy,
      })) {
        expect(step.id).toBeGreaterThanOrEqual(0);
      }
      const meanOnPrevious = async (head: number) => {
        const map = await engine.attention(0, head);
        expect(map.n).toBe(ids.length);
        let sum = 0;
        for (let i = 1; i < map.n; i++) sum += map.probs[i * map.n + i - 1];
        return sum / (map.n - 1);
      };
      expect(await meanOnPrevious(0)).toBeGreaterThan(0.6);
      // Not every head: the others of layer 0 look elsewhere.
      for (const head of [1, 2, 3]) expect(await meanOnPrevious(head)).toBeLessThan(0.3);
    } finally {
      engine.unload();
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { GenerationEnd, GenerationRequest, TokenStep } from '../../src/generation/generate.ts';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { parseSamplingSettings } from '../../src/generation/sampling-settings.ts';
import { ContextFullError } from '../../src/model/context-full-error.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Ids below 397 include lone UTF-8 bytes (0xE2, 0x80, ...), so random text splits characters.
const SHAPE = { nLayer: 1, nHead: 2, nEmbd: 32, nPositions: 24, vocabSize: 397, nInner: 64 };
const SAMPLED = parseSamplingSettings({ temperature: 1.5, topK: 0, topP: 1, seed: 11 });

async function collect(
  engine: Gpt2Engine,
  request: GenerationRequest,
  onStep?: (s: TokenStep) => void,
): Promise<{ steps: TokenStep[]; end: GenerationEnd }> {
  const run = engine.generate(request);
  const steps: TokenStep[] = [];
  for (;;) {
    const r = await run.next();
    if (r.done) return { steps, end: r.value };
    steps.push(r.value);
    onStep?.(r.value);
  }
}

describe('generateTokens: every stop, and the text of each token', () => {
  const t = useTestGpu();

  it('yields the streamed text of each token; pieces resumed with decodedIds give one text', async () => {
    const { files } = randomModel(SHAPE, { seed: 21 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const prompt = [1, 2, 3];
      const whole = await collect(engine, {
        contextIds: prompt,
        maxNewTokens: 16,
        settings: () => SAMPLED,
      });
      const ids = whole.steps.map((s) => s.id);
      expect(ids).toHaveLength(16);
      expect(whole.end.reason).toBe('max_tokens');
      expect(whole.steps.map((s) => s.text).join('') + whole.end.rest).toBe(
        engine.tokenizer.decode(ids),
      );
      // Continue: the second piece's decoder resumes after the first piece's ids.
      const first = await collect(engine, {
        contextIds: prompt,
        maxNewTokens: 7,
        settings: () => SAMPLED,
      });
      const second = await collect(engine, {
        contextIds: [...prompt, ...first.steps.map((s) => s.id)],
        maxNewTokens: 9,
        settings: () => SAMPLED,
        decodedIds: first.steps.map((s) => s.id),
      });
      const pieces = [...first.steps, ...second.steps];
      expect(pieces.map((s) => s.id)).toEqual(ids);
      expect(pieces.map((s) => s.text)).toEqual(whole.steps.map((s) => s.text));
      expect(second.end.rest).toBe(whole.end.rest);
    } finally {
      engine.unload();
    }
  });

  it('a Step gives exactly one token and ends with "step"', async () => {
    const { files } = randomModel(SHAPE, { seed: 22 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const { steps, end } = await collect(engine, {
        contextIds: [4, 5],
        step: true,
        maxNewTokens: 10,
        settings: () => SAMPLED,
      });
      expect(steps.map((s) => s.position)).toEqual([2]);
      expect(end).toMatchObject({ reason: 'step', length: 3 });
    } finally {
      engine.unload();
    }
  });

  it('reads max new tokens before every token, and stops when cancelled', async () => {
    const { files } = randomModel(SHAPE, { seed: 23 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      let max = 8;
      const lowered = await collect(
        engine,
        { contextIds: [6], maxNewTokens: () => max, settings: () => SAMPLED },
        (s) => {
          if (s.index === 1) max = 3;
        },
      );
      expect(lowered.steps).toHaveLength(3);
      expect(lowered.end.reason).toBe('max_tokens');
      const abort = new AbortController();
      const cancelled = await collect(
        engine,
        { contextIds: [6], maxNewTokens: 8, settings: () => SAMPLED, signal: abort.signal },
        () => abort.abort(),
      );
      expect(cancelled.steps).toHaveLength(1);
      expect(cancelled.end.reason).toBe('cancelled');
    } finally {
      engine.unload();
    }
  });

  it('with stopAtFullWindow, stops when the context holds n_positions tokens', async () => {
    const { files } = randomModel(SHAPE, { seed: 24 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    const P = SHAPE.nPositions;
    try {
      const near = Array.from({ length: P - 3 }, (_, i) => i + 1);
      const { steps, end } = await collect(engine, {
        contextIds: near,
        maxNewTokens: 10,
        settings: () => SAMPLED,
        stopAtFullWindow: true,
      });
      expect(steps.map((s) => s.position)).toEqual([P - 3, P - 2, P - 1]);
      expect(end).toMatchObject({ reason: 'context_full', length: P });
      const full = Array.from({ length: P }, (_, i) => i + 1);
      await expect(
        collect(engine, {
          contextIds: full,
          settings: () => SAMPLED,
          stopAtFullWindow: true,
        }),
      ).rejects.toBeInstanceOf(ContextFullError);
    } finally {
      engine.unload();
    }
  });
});

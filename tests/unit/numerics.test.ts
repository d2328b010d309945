import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { parseSamplingSettings } from '../../src/generation/sampling-settings.ts';
import { NonFiniteOutputError } from '../../src/model/errors.ts';
import { memoryModelFiles } from '../../src/model/memory-files.ts';
import { makeRandomCheckpoint, randomTensorValues } from '../../src/model/random-checkpoint.ts';
import { gpt2ForwardRef, type Gpt2RefWeights } from '../../src/reference/gpt2.ts';
import { Gpt2Tokenizer } from '../../src/tokenizer/gpt2-tokenizer.ts';
import { useTestGpu } from '../helpers/gpu.ts';

const TOKENIZER_V = Gpt2Tokenizer.VOCAB_SIZE;

/** A 1-layer random checkpoint whose bytes a test may rewrite before loading. */
function checkpoint(vocabSize: number) {
  const c = makeRandomCheckpoint({
    config: { nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 8, vocabSize },
    seed: 5,
    scale: 0.5,
  });
  const at = (name: string) =>
    c.layout.header.length + c.layout.tensors.find((t) => t.name === name)!.begin;
  const view = new DataView(c.safetensors.buffer, c.safetensors.byteOffset);
  return { ...c, at, view };
}

function refWeights(layout: Parameters<typeof randomTensorValues>[0], L: number): Gpt2RefWeights {
  const raw = (name: string) => randomTensorValues(layout, name);
  return {
    wte: raw('wte.weight'),
    wpe: raw('wpe.weight'),
    lnFg: raw('ln_f.weight'),
    lnFb: raw('ln_f.bias'),
    blocks: Array.from({ length: L }, (_, l) => ({
      ln1g: raw(`h.${l}.ln_1.weight`),
      ln1b: raw(`h.${l}.ln_1.bias`),
      attnW: raw(`h.${l}.attn.c_attn.weight`),
      attnB: raw(`h.${l}.attn.c_attn.bias`),
      projW: raw(`h.${l}.attn.c_proj.weight`),
      projB: raw(`h.${l}.attn.c_proj.bias`),
      ln2g: raw(`h.${l}.ln_2.weight`),
      ln2b: raw(`h.${l}.ln_2.bias`),
      fcW: raw(`h.${l}.mlp.c_fc.weight`),
      fcB: raw(`h.${l}.mlp.c_fc.bias`),
      fc2W: raw(`h.${l}.mlp.c_proj.weight`),
      fc2B: raw(`h.${l}.mlp.c_proj.bias`),
    })),
  };
}

function argmax(x: ArrayLike<number>, n = x.length): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (x[i] > x[best]) best = i;
  return best;
}

describe('numerics the tokenizer or f32 cannot follow', () => {
  const t = useTestGpu();

  it('never samples the padding ids of a vocabulary larger than the tokenizer, and says so once', async () => {
    const V = 50304; // nanoGPT's padding of 50257 to a multiple of 64
    const c = checkpoint(V);
    const C = 16;
    // Make the padding rows win: each is 50x the row of the best real token (signed so its
    // logit is 50x larger), so a sampler over all V logits would pick one of them.
    const ref = refWeights(c.layout, 2);
    const logits = gpt2ForwardRef(c.config, ref, [0]);
    const k = argmax(logits, TOKENIZER_V);
    const sign = Math.sign(logits[k]);
    const wte = c.at('wte.weight');
    for (let id = TOKENIZER_V; id < V; id++) {
      for (let j = 0; j < C; j++) {
        c.view.setFloat32(wte + (id * C + j) * 4, 50 * sign * ref.wte[k * C + j], true);
        ref.wte[id * C + j] = 50 * sign * ref.wte[k * C + j];
      }
    }
    // The oracle over all V logits now prefers padding: the test below can fail.
    expect(argmax(gpt2ForwardRef(c.config, ref, [0]))).toBeGreaterThanOrEqual(TOKENIZER_V);

    const warnings: string[] = [];
    const files = memoryModelFiles(
      { 'config.json': c.configJson, 'model.safetensors': c.safetensors },
      'padded',
    );
    const engine = await Gpt2Engine.load(t.gpu, files, {
      storage: 'f32',
      onWarning: (m) => warnings.push(m),
    });
    try {
      expect(warnings).toEqual([
        "padded: the model has 50304 token rows, 47 more than the GPT-2 tokenizer's 50257 " +
          '(padding, as nanoGPT adds). Ids 50257..50303 have no text, so they are never sampled.',
      ]);
      expect((await engine.logitsAfter([0])).length).toBe(TOKENIZER_V);
      for (const raw of [
        { temperature: 0 },
        { temperature: 1, topK: 0, topP: 1 }, // every token drawable: the full-logits path
        { temperature: 5, topK: 50, seed: 3 },
      ]) {
        const settings = parseSamplingSettings(raw);
        const gen = engine.generate({ contextIds: [0], maxNewTokens: 3, settings: () => settings });
        for (let r = await gen.next(); !r.done; r = await gen.next()) {
          expect(r.value.id, JSON.stringify(raw)).toBeLessThan(TOKENIZER_V);
          for (const cand of r.value.candidates) expect(cand.id).toBeLessThan(TOKENIZER_V);
          expect(() => engine.tokenizer.decode([r.value.id])).not.toThrow();
        }
      }
      const lens = await engine.logitLens(0);
      for (const row of lens)
        for (const cand of row.candidates) expect(cand.id).toBeLessThan(TOKENIZER_V);
    } finally {
      engine.unload();
    }
  });

  it('names the first block whose output overflowed, instead of "no finite logit"', async () => {
    const c = checkpoint(300);
    // Finite weights (so the load accepts them) that overflow f32 inside block 1's MLP.
    const bias = c.at('h.1.mlp.c_fc.bias');
    for (let j = 0; j < 64; j++) c.view.setFloat32(bias + j * 4, 3e38, true);
    const files = memoryModelFiles(
      { 'config.json': c.configJson, 'model.safetensors': c.safetensors },
      'overflowing',
    );
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const settings = parseSamplingSettings({ temperature: 0 });
      const gen = engine.generate({
        contextIds: [1, 2, 3],
        maxNewTokens: 2,
        settings: () => settings,
      });
      let error: unknown = null;
      try {
        await gen.next();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NonFiniteOutputError);
      const e = error as NonFiniteOutputError;
      expect(e.row).toBe(2);
      expect(e.message).toMatch(
        /^The model produced non-finite values \(NaN or Infinity\) at position 2, first in block 1 \(h\.1\)/,
      );
      expect(e.message).toMatch(/Use another checkpoint/);
      // The recomputation left the cache as it was: the lens still runs.
      expect((await engine.logitLens(0)).length).toBe(3);
    } finally {
      engine.unload();
    }
  });
});

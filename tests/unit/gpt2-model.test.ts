import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { parseSamplingSettings } from '../../src/generation/sampling-settings.ts';
import { ContextFullError } from '../../src/model/context-full-error.ts';
import { gpt2ForwardRef, logitLensRef } from '../../src/reference/gpt2.ts';
import { expectClose } from '../helpers/compare.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Small but not round: HS = 16 with 3 heads, nInner != 4C, V not a multiple of anything.
const SHAPE = { nLayer: 2, nHead: 3, nEmbd: 48, nPositions: 40, vocabSize: 397, nInner: 100 };
const IDS = [5, 300, 17, 17, 396, 0, 42];

function lastRow(logits: Float64Array, T: number, V: number): Float64Array {
  return logits.slice((T - 1) * V, T * V);
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

describe('GPT-2 forward pass on the GPU', () => {
  const t = useTestGpu();

  it('gives the CPU reference logits (f32, max abs error < 1e-3) at every decode step', async () => {
    const { files, config, ref } = randomModel(SHAPE, { seed: 3 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const full = gpt2ForwardRef(config, ref, IDS);
      // Prefill 4 tokens, then one token at a time through the KV cache.
      const prefill = await engine.logitsAfter(IDS.slice(0, 4));
      expectClose(prefill, lastRow(full, 4, config.vocabSize), {
        atol: 1e-3,
        rtol: 0,
        label: 'prefill',
      });
      for (let T = 5; T <= IDS.length; T++) {
        const logits = await engine.logitsAfter(IDS.slice(0, T));
        const want = full.slice((T - 1) * config.vocabSize, T * config.vocabSize);
        expectClose(logits, want, { atol: 1e-3, rtol: 0, label: `decode T=${T}` });
      }
    } finally {
      engine.unload();
    }
  });

  it('stores weights as f16 and matches the reference on f16-rounded weights', async () => {
    const { files, config, ref } = randomModel(SHAPE, { seed: 4, roundToF16: true });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f16' });
    try {
      const logits = await engine.logitsAfter(IDS);
      const want = lastRow(gpt2ForwardRef(config, ref, IDS), IDS.length, config.vocabSize);
      expectClose(logits, want, { atol: 2e-3, rtol: 0, label: 'f16 logits' });
    } finally {
      engine.unload();
    }
  });

  it('loads prefixed F16 files with attention-mask buffers', async () => {
    const { files, config, ref } = randomModel(SHAPE, {
      seed: 5,
      dtype: 'F16',
      prefix: true,
      includeAttnBias: true,
      includeLmHead: true,
    });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const logits = await engine.logitsAfter(IDS);
      const want = lastRow(gpt2ForwardRef(config, ref, IDS), IDS.length, config.vocabSize);
      expectClose(logits, want, { atol: 1e-3, rtol: 0, label: 'prefixed F16 file' });
    } finally {
      engine.unload();
    }
  });

  it('greedy decoding with the KV cache equals recomputing the whole sequence each step', async () => {
    const { files, config, ref } = randomModel(SHAPE, { seed: 6 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const settings = parseSamplingSettings({ temperature: 0, topK: 0, topP: 1, seed: 0 });
      const ids: number[] = [];
      for await (const step of engine.generate({
        contextIds: IDS.slice(0, 3),
        maxNewTokens: 12,
        settings: () => settings,
        stopAtEndOfText: false,
      })) {
        ids.push(step.id);
        expect(step.prob).toBe(1);
        expect(step.stats.submits).toBe(1);
        expect(step.stats.readbackBytes).toBeLessThan(1024);
      }
      expect(ids).toHaveLength(12);
      // Recompute: the whole sequence from scratch each step, on the CPU reference.
      const seq = IDS.slice(0, 3);
      const recomputed: number[] = [];
      for (let s = 0; s < 12; s++) {
        const logits = lastRow(gpt2ForwardRef(config, ref, seq), seq.length, config.vocabSize);
        const next = argmax(logits);
        recomputed.push(next);
        seq.push(next);
      }
      expect(ids).toEqual(recomputed);
    } finally {
      engine.unload();
    }
  });

  it('returns exact attention maps for any layer and head', async () => {
    const { files, config, ref } = randomModel(SHAPE, { seed: 7 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      await engine.logitsAfter(IDS);
      const map = await engine.attention(1, 2);
      const n = IDS.length;
      expect(map.n).toBe(n);
      expect(map.ids).toEqual(IDS);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < n; j++) {
          const p = map.probs[i * n + j];
          if (j > i) expect(p).toBe(0);
          sum += p;
        }
        expect(sum).toBeCloseTo(1, 5);
      }
      await expect(engine.attention(config.nLayer, 0)).rejects.toThrow(/layer/);
      await expect(engine.attention(0, config.nHead)).rejects.toThrow(/head/);
      void ref;
    } finally {
      engine.unload();
    }
  });

  it('refuses contexts longer than n_positions, empty input and ids outside the vocabulary', async () => {
    const { files } = randomModel(SHAPE, { seed: 8 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const long = Array.from({ length: SHAPE.nPositions + 1 }, (_, i) => i);
      await expect(engine.logitsAfter(long)).rejects.toBeInstanceOf(ContextFullError);
      const gen = engine.generate({
        contextIds: long,
        maxNewTokens: 1,
        settings: () => parseSamplingSettings({ temperature: 0 }),
      });
      await expect(gen.next()).rejects.toBeInstanceOf(ContextFullError);
      await expect(engine.model.forward([], 0)).rejects.toThrow(/at least one token/);
      await expect(engine.model.forward([SHAPE.vocabSize], 0)).rejects.toThrow(/vocabulary/);
      // Filling the context ends generation with a clear reason rather than wrong positions.
      const near = long.slice(0, SHAPE.nPositions - 2);
      const steps: number[] = [];
      const run = engine.generate({
        contextIds: near,
        maxNewTokens: 10,
        settings: () => parseSamplingSettings({ temperature: 0 }),
        stopAtEndOfText: false,
      });
      let end;
      for (;;) {
        const r = await run.next();
        if (r.done) {
          end = r.value;
          break;
        }
        steps.push(r.value.position);
      }
      expect(end.reason).toBe('context_full');
      expect(steps).toEqual([38, 39, 40]);
    } finally {
      engine.unload();
    }
  });

  it('releases every GPU buffer when unloaded', async () => {
    const before = t.gpu.liveBuffers;
    const { files } = randomModel(SHAPE, { seed: 9 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f16' });
    await engine.logitsAfter(IDS);
    await engine.attention(0, 0);
    expect(t.gpu.liveBuffers.bytes).toBeGreaterThan(before.bytes);
    engine.unload();
    expect(t.gpu.liveBuffers).toEqual(before);
  });
});

describe('logit lens and per-kernel timings', () => {
  const t = useTestGpu();

  it('gives each layer the reference prediction and leaves the cache as it was', async () => {
    const { files, config, ref } = randomModel(SHAPE, { seed: 12 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const residuals: Float64Array[] = [];
      gpt2ForwardRef(config, ref, IDS, residuals);
      await engine.logitsAfter(IDS);
      const pos = 4;
      const rows = await engine.logitLens(pos, 5);
      expect(rows.map((r) => r.layer)).toEqual([0, 1, 2]);
      rows.forEach((row, l) => {
        const C = config.nEmbd;
        const want = logitLensRef(config, ref, residuals[l].slice(pos * C, (pos + 1) * C));
        const order = [...want.keys()].sort((a, b) => want[b] - want[a]);
        expect(row.candidates.map((c) => c.id)).toEqual(order.slice(0, 5));
        let max = -Infinity;
        for (const v of want) max = Math.max(max, v);
        let sum = 0;
        for (const v of want) sum += Math.exp(v - max);
        expect(row.candidates[0].prob).toBeCloseTo(Math.exp(want[order[0]] - max) / sum, 4);
      });
      // The cache is untouched: the next token's logits equal the reference's.
      const next = [...IDS, 7];
      const logits = await engine.logitsAfter(next);
      const full = gpt2ForwardRef(config, ref, next);
      expectClose(logits, lastRow(full, next.length, config.vocabSize), {
        atol: 1e-3,
        rtol: 0,
        label: 'after lens',
      });
      await expect(engine.logitLens(next.length)).rejects.toThrow(/position/);
    } finally {
      engine.unload();
    }
  });

  it('times every kind of kernel with timestamp queries without changing the result', async () => {
    expect(t.gpu.capabilities.timestampQuery, 'SwiftShader offers timestamp-query').toBe(true);
    const { files } = randomModel(SHAPE, { seed: 13 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const plain = await engine.model.forward(IDS, 0);
      const timed = await engine.model.forward(IDS, 0, 1, { profile: true });
      expect(timed.candidates).toEqual(plain.candidates);
      expect(Object.keys(timed.stats.kernelMs ?? {}).sort()).toEqual(
        [
          'attention',
          'embedding',
          'kv_write',
          'layernorm',
          'lm_head',
          'logsumexp',
          'matmul',
          'topk',
        ].sort(),
      );
      for (const ms of Object.values(timed.stats.kernelMs ?? {}))
        expect(ms).toBeGreaterThanOrEqual(0);
      const decode = await engine.model.forward([3], IDS.length, 1, { profile: true });
      expect(decode.stats.kernelMs?.matvec).toBeGreaterThan(0);
      expect(plain.stats.kernelMs).toBeUndefined();
    } finally {
      engine.unload();
    }
  });

  it('switches profiling between steps while tokens stream, without changing the tokens', async () => {
    const { files } = randomModel(SHAPE, { seed: 14 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const settings = parseSamplingSettings({ temperature: 0.9, topK: 0, topP: 1, seed: 7 });
      const request = { contextIds: IDS, maxNewTokens: 6, settings: () => settings };
      const plain: number[] = [];
      for await (const step of engine.generate({ ...request, profile: false })) {
        plain.push(step.id);
        expect(step.stats.kernelMs).toBeUndefined();
      }
      // On for the prefill, off for steps 1-2, on for 3-4, off again for 5: as a user's
      // checkbox would be, read before each step.
      let on = true;
      const ids: number[] = [];
      const timed: number[] = [];
      for await (const step of engine.generate({ ...request, profile: () => on })) {
        ids.push(step.id);
        if (step.stats.kernelMs) {
          timed.push(step.index);
          const kinds = Object.keys(step.stats.kernelMs);
          expect(kinds).toContain(step.forwardTokens > 1 ? 'matmul' : 'matvec');
          expect(kinds).not.toContain(step.forwardTokens > 1 ? 'matvec' : 'matmul');
          expect(step.stats.readbackBytes).toBeGreaterThan(1024);
        }
        on = step.index === 2 || step.index === 3;
      }
      expect(timed).toEqual([0, 3, 4]);
      expect(ids).toEqual(plain);
    } finally {
      engine.unload();
    }
  });

  it('samples the same tokens in one run as in pieces (Continue, Step), and a seed change applies next', async () => {
    const { files } = randomModel(SHAPE, { seed: 15 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      let settings = parseSamplingSettings({ temperature: 1.2, topK: 0, topP: 1, seed: 99 });
      const generate = async (contextIds: number[], n: number) => {
        const ids: number[] = [];
        for await (const step of engine.generate({
          contextIds,
          maxNewTokens: n,
          settings: () => settings,
          stopAtEndOfText: false,
        })) {
          ids.push(step.id);
        }
        return ids;
      };
      const whole = await generate(IDS, 8);
      // 3, then 1 (a Step), then 4 more, each run going on from the last.
      const pieces: number[] = [];
      for (const n of [3, 1, 4]) pieces.push(...(await generate([...IDS, ...pieces], n)));
      expect(pieces).toEqual(whole);
      // High temperature over 397 tokens: eight draws that all repeat one token would mean
      // the draws are not random at all.
      expect(new Set(whole).size).toBeGreaterThan(1);
      // Another seed from the 5th token on, changed while the run streams: the first 4 stay,
      // the rest are what a run from there with the new seed gives.
      const mid: number[] = [];
      const s99 = settings;
      const s100 = { ...settings, seed: 100 };
      for await (const step of engine.generate({
        contextIds: IDS,
        maxNewTokens: 8,
        settings: () => (mid.length < 4 ? s99 : s100),
        stopAtEndOfText: false,
      })) {
        mid.push(step.id);
      }
      settings = s100;
      const rest = await generate([...IDS, ...whole.slice(0, 4)], 4);
      expect(mid.slice(0, 4)).toEqual(whole.slice(0, 4));
      expect(mid.slice(4)).toEqual(rest);
      expect(mid).not.toEqual(whole);
    } finally {
      engine.unload();
    }
  });
});

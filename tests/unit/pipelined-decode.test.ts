import { describe, expect, it } from 'vitest';
import type { GenerationRequest, TokenStep } from '../../src/generation/generate.ts';
import { Gpt2Engine, type EngineLoadOptions } from '../../src/generation/gpt2-engine.ts';
import { gpuSamplingBlocker } from '../../src/generation/pipeline-policy.ts';
import {
  parseSamplingSettings,
  type RawSamplingSettings,
} from '../../src/generation/sampling-settings.ts';
import type { DecodeKernels, ForwardOptions, Gpt2Model } from '../../src/model/gpt2-model.ts';
import type { WeightStorage } from '../../src/model/weights.ts';
import type { RandomCheckpointOptions } from '../../src/model/random-checkpoint.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Odd sizes; a vocabulary past the 64 candidates so that top-p can reach beyond them.
const SHAPE = { nLayer: 2, nHead: 3, nEmbd: 48, nPositions: 40, vocabSize: 397, nInner: 80 };

async function run(engine: Gpt2Engine, request: GenerationRequest): Promise<TokenStep[]> {
  const steps: TokenStep[] = [];
  engine.dropCache();
  for await (const s of engine.generate(request)) steps.push(s);
  return steps;
}

/** What must not depend on pipelining: the tokens and everything shown about them. */
function shown(steps: TokenStep[]) {
  return steps.map((s) => ({
    id: s.id,
    position: s.position,
    prob: s.prob,
    candidates: s.candidates,
    settings: s.settings,
  }));
}

describe('pipelined decode', () => {
  const t = useTestGpu();

  /** A random model of SHAPE, loaded for `body` and unloaded after it. */
  async function withEngine(
    model: RandomCheckpointOptions,
    options: EngineLoadOptions,
    body: (engine: Gpt2Engine) => Promise<void>,
  ): Promise<void> {
    const { files } = randomModel(SHAPE, model);
    const engine = await Gpt2Engine.load(t.gpu, files, options);
    try {
      await body(engine);
    } finally {
      engine.unload();
    }
  }

  // Greedy, top-k inside the candidates, top-p inside them, top-p reaching past them at a
  // high temperature (the CPU then reads the kept logits, and the GPU's guess is often
  // wrong: the queued step runs again), and settings that always need the full logits (no
  // pipelining).
  const SETTINGS: RawSamplingSettings[] = [
    { temperature: 0 },
    { temperature: 0.8, topK: 40, topP: 1 },
    { temperature: 1.2, topK: 0, topP: 0.6 },
    { temperature: 3, topK: 0, topP: 0.97 },
    { temperature: 1, topK: 0, topP: 1 },
    { temperature: 0.7, topK: 5, topP: 0.5 },
  ];
  const VARIANTS: [WeightStorage, DecodeKernels][] = [
    ['f32', 'v1'],
    ['f16', 'v1'],
    ['f32', 'v2'],
    ['f16', 'v2'],
  ];
  for (const [storage, decodeKernels] of VARIANTS) {
    it(`gives exactly the tokens of the unpipelined loop, many seeds and settings (${storage}, ${decodeKernels} decode)`, async () => {
      await withEngine({ seed: 41, scale: 0.6 }, { storage, decodeKernels }, async (engine) => {
        let ahead = 0;
        let redone = 0;
        let fullLogits = 0;
        for (const [i, raw] of SETTINGS.entries()) {
          for (const seed of [1, 2]) {
            const settings = parseSamplingSettings({ ...raw, seed: seed * 97 + i });
            const request = {
              contextIds: [3, 1, 4, 1, 5],
              maxNewTokens: 12,
              settings: () => settings,
              stopAtEndOfText: false,
            };
            const plain = await run(engine, { ...request, pipeline: false });
            const piped = await run(engine, request);
            expect(shown(piped), `${JSON.stringify(settings)}`).toEqual(shown(plain));
            expect(plain.every((s) => !s.pipeline.ahead)).toBe(true);
            ahead += piped.filter((s) => s.pipeline.ahead).length;
            redone += piped.filter((s) => /runs again/.test(s.pipeline.note)).length;
            fullLogits += piped.filter((s) => s.usedFullLogits).length;
            if (gpuSamplingBlocker(settings, SHAPE.vocabSize) !== '') {
              expect(piped.every((s) => !s.pipeline.ahead)).toBe(true);
              expect(piped[0].pipeline.note).toMatch(/all the logits/);
            }
            expect(piped.at(-1)!.pipeline).toEqual({ ahead: false, note: 'the run ends here' });
          }
        }
        // Most tokens went ahead; the wide nucleus made the CPU read the full logits (kept
        // for it while the next step ran) and sometimes found the GPU's guess wrong.
        expect(ahead).toBeGreaterThan(SETTINGS.length * 2 * 11 * 0.5);
        expect(fullLogits).toBeGreaterThan(0);
        expect(redone).toBeGreaterThan(0);
      });
    });
  }

  it('queues step n+1 before the readback of step n resolves (a recording device)', async () => {
    const { files } = randomModel(SHAPE, { seed: 42 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    const events: string[] = [];
    const queue = t.gpu.device.queue;
    const submit = queue.submit.bind(queue);
    queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
      events.push('submit');
      submit(buffers);
    };
    // Step n's readback is held back from the loop until step n + 1 has been queued (or, for
    // a loop that waits for it, until a timeout says so), so the order below does not depend
    // on how fast this machine happens to be. The timeout starts when step n's GPU work is
    // done: by then the loop has had step n - 1 and needs only CPU time to queue n + 1.
    const isQueued: boolean[] = [];
    const wakers: (() => void)[] = [];
    const model = engine.model;
    const forward = model.forward.bind(model);
    const forwardSampled = model.forwardSampled.bind(model);
    let step = 0;
    const recorded = async (p: Promise<Awaited<ReturnType<Gpt2Model['forward']>>>) => {
      const n = step++;
      events.push(`queued ${n}`);
      isQueued[n] = true;
      wakers[n]?.();
      const r = await p;
      if (!isQueued[n + 1]) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            events.push(`timeout ${n}`);
            resolve();
          }, 3000);
          wakers[n + 1] = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      events.push(`read ${n}`);
      return r;
    };
    model.forward = (...a: Parameters<Gpt2Model['forward']>) => recorded(forward(...a));
    model.forwardSampled = (...a: Parameters<Gpt2Model['forwardSampled']>) =>
      recorded(forwardSampled(...a));
    try {
      const settings = parseSamplingSettings({ temperature: 0.9, topK: 20, seed: 5 });
      const steps = await run(engine, {
        contextIds: [7, 8, 9],
        maxNewTokens: 8,
        settings: () => settings,
        stopAtEndOfText: false,
      });
      expect(steps).toHaveLength(8);
      expect(steps.slice(0, -1).every((s) => s.pipeline.ahead)).toBe(true);
      // Each step is one submit, made as the step is queued.
      expect(events.filter((e) => e === 'submit')).toHaveLength(8);
      for (let n = 0; n < 8; n++) expect(events[events.indexOf(`queued ${n}`) - 1]).toBe('submit');
      // Only the last step, after which nothing is queued, waited for its readback.
      expect(events.filter((e) => e.startsWith('timeout'))).toEqual(['timeout 7']);
      for (let n = 0; n + 1 < 8; n++) {
        expect(
          events.indexOf(`queued ${n + 1}`),
          `step ${n + 1} queued before step ${n} is read: ${events.join(', ')}`,
        ).toBeLessThan(events.indexOf(`read ${n}`));
      }
      // The same loop unpipelined waits for every readback: the recorder sees it.
      events.length = 0;
      step = 0;
      isQueued.length = 0;
      wakers.length = 0;
      await run(engine, {
        contextIds: [7, 8, 9],
        maxNewTokens: 3,
        settings: () => settings,
        stopAtEndOfText: false,
        pipeline: false,
      });
      expect(events.filter((e) => e.startsWith('timeout'))).toEqual([
        'timeout 0',
        'timeout 1',
        'timeout 2',
      ]);
    } finally {
      queue.submit = submit;
      engine.unload();
    }
  }, 30_000);

  it('recovers when the GPU chose another token than the CPU: the queued step runs again', async () => {
    const { files } = randomModel(SHAPE, { seed: 43 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    const settings = parseSamplingSettings({ temperature: 1.5, topK: 30, seed: 8 });
    const request = {
      contextIds: [11, 12],
      maxNewTokens: 10,
      settings: () => settings,
      stopAtEndOfText: false,
    };
    const plain = await run(engine, { ...request, pipeline: false });
    // A faulty GPU sampler: every other step draws with a different u than the CPU.
    const model = engine.model;
    const forward = model.forward.bind(model);
    const forwardSampled = model.forwardSampled.bind(model);
    let calls = 0;
    const skew = (o: ForwardOptions | undefined): ForwardOptions | undefined =>
      o?.sample && calls++ % 2 === 0
        ? { ...o, sample: { ...o.sample, u: (o.sample.u + 0.5) % 1 } }
        : o;
    model.forward = (ids, pos0, invT, o) => forward(ids, pos0, invT, skew(o));
    model.forwardSampled = (pos0, invT, o) => forwardSampled(pos0, invT, skew(o));
    try {
      const piped = await run(engine, request);
      expect(shown(piped)).toEqual(shown(plain));
      const rerun = piped.filter((s) =>
        /the GPU chose token \d+, the CPU \d+/.test(s.pipeline.note),
      );
      expect(rerun.length).toBeGreaterThan(0);
      // The cache holds the confirmed tokens: continuing gives the unpipelined continuation.
      const more = await run(engine, {
        ...request,
        contextIds: [...request.contextIds, ...piped.map((s) => s.id)],
        maxNewTokens: 4,
      });
      model.forward = forward;
      model.forwardSampled = forwardSampled;
      const morePlain = await run(engine, {
        ...request,
        contextIds: [...request.contextIds, ...plain.map((s) => s.id)],
        maxNewTokens: 4,
        pipeline: false,
      });
      expect(shown(more)).toEqual(shown(morePlain));
    } finally {
      engine.unload();
    }
  });

  for (const decodeKernels of ['v1', 'v2'] as DecodeKernels[]) {
    it(`times every kernel of every step without stopping the pipeline (${decodeKernels})`, async () => {
      // SwiftShader offers timestamp queries, so the timer is real here.
      expect(t.gpu.capabilities.timestampQuery).toBe(true);
      await withEngine({ seed: 45 }, { storage: 'f32', decodeKernels }, async (engine) => {
        const settings = parseSamplingSettings({ temperature: 0.9, topK: 30, seed: 2 });
        const request = {
          contextIds: [5, 6, 7],
          maxNewTokens: 9,
          settings: () => settings,
          stopAtEndOfText: false,
          profile: () => true,
        };
        const plain = await run(engine, { ...request, pipeline: false });
        const piped = await run(engine, request);
        expect(shown(piped)).toEqual(shown(plain));
        expect(plain.every((s) => s.stats.kernelMs !== undefined)).toBe(true);
        expect(piped.slice(0, -1).every((s) => s.pipeline.ahead)).toBe(true);
        // Each step in flight has a timer of its own: every step is timed.
        expect(piped.every((s) => s.stats.kernelMs !== undefined)).toBe(true);
        // A step that chose on the GPU is timed with it: its own pass with v1, in the merge
        // (topk) with v2.
        for (const s of piped.filter((x) => x.pipeline.ahead)) {
          expect(Object.keys(s.stats.kernelMs!)).toContain(
            decodeKernels === 'v1' ? 'sample' : 'topk',
          );
        }
      });
    });
  }

  it('work on the model after a run left unfinished waits for the step queued ahead', async () => {
    await withEngine({ seed: 46 }, { storage: 'f32' }, async (engine) => {
      const settings = parseSamplingSettings({ temperature: 0 });
      const steps = engine.generate({
        contextIds: [1, 2],
        maxNewTokens: 6,
        settings: () => settings,
      });
      const first = await steps.next();
      expect(first.done).toBe(false);
      // The step for the next token was queued before this one was read; nobody resumes the
      // run. A map and the full logits still come out (after that step), never an error.
      const [map, logits] = await Promise.all([
        engine.model.attentionProbs(0, 1),
        engine.model.readLogits(),
      ]);
      expect(map.n).toBe(engine.model.position);
      expect(logits).toHaveLength(SHAPE.vocabSize);
      expect(engine.model.stepsInFlight).toBe(0);
    });
  });

  it('a run stopped with a step queued ahead leaves the cache as an unpipelined run does', async () => {
    await withEngine({ seed: 47 }, { storage: 'f32' }, async (engine) => {
      const settings = parseSamplingSettings({ temperature: 0 });
      for (const pipeline of [false, true]) {
        const abort = new AbortController();
        const steps: TokenStep[] = [];
        engine.dropCache();
        for await (const s of engine.generate({
          contextIds: [1, 2, 3],
          maxNewTokens: 10,
          settings: () => settings,
          signal: abort.signal,
          pipeline,
        })) {
          steps.push(s);
          if (s.index === 2) abort.abort();
        }
        expect(steps).toHaveLength(3);
        if (pipeline) expect(steps[2].pipeline.ahead).toBe(true);
        // The last token has not been read by the model: the cache and the maps stop before it.
        expect(engine.cachedIds).toEqual([1, 2, 3, steps[0].id, steps[1].id]);
        expect(engine.model.position).toBe(5);
        const map = await engine.attention(0, 0);
        expect([map.n, map.ids.length]).toEqual([5, 5]);
      }
    });
  });

  it('a settings change applies to the next step queued after it, and each token records its own', async () => {
    await withEngine({ seed: 44 }, { storage: 'f32' }, async (engine) => {
      const cold = parseSamplingSettings({ temperature: 0 });
      const warm = parseSamplingSettings({ temperature: 1.4, topK: 50, seed: 3 });
      let current = cold;
      const steps: TokenStep[] = [];
      for await (const s of engine.generate({
        contextIds: [1, 2, 3],
        maxNewTokens: 8,
        settings: () => current,
        stopAtEndOfText: false,
      })) {
        steps.push(s);
        if (s.index === 2) current = warm;
      }
      // Token 3 was queued before the change (while token 2 was read); token 4 after it.
      expect(steps.map((s) => s.settings.temperature)).toEqual([0, 0, 0, 0, 1.4, 1.4, 1.4, 1.4]);
      // The same run unpipelined, with the settings each token recorded, gives the same tokens.
      let i = 0;
      const replay = await run(engine, {
        contextIds: [1, 2, 3],
        maxNewTokens: 8,
        settings: () => steps[i++].settings,
        stopAtEndOfText: false,
        pipeline: false,
      });
      expect(shown(replay)).toEqual(shown(steps));
    });
  });
});

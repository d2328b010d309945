import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { runPatching } from '../../src/inspect/patching.ts';
import { patchingRef } from '../../src/reference/interventions.ts';
import { expectClose } from '../helpers/compare.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Odd shapes: HS = 12 with 3 heads, nInner != 4C, V prime.
const SHAPE = { nLayer: 3, nHead: 3, nEmbd: 36, nPositions: 30, vocabSize: 211, nInner: 70 };
const CLEAN = [5, 200, 17, 99, 3, 150, 42];
const CORRUPT = [5, 61, 17, 99, 8, 150, 42];
const TOL = { f32: 1e-3, f16: 2e-3 };

describe('activation patching on the GPU', () => {
  const t = useTestGpu();

  for (const storage of ['f32', 'f16'] as const) {
    it(`patched logit differences of every head and (layer, position) equal the reference (${storage}, atol ${TOL[storage]})`, async () => {
      const { files, config, ref } = randomModel(SHAPE, {
        seed: 41,
        roundToF16: storage === 'f16',
      });
      const engine = await Gpt2Engine.load(t.gpu, files, { storage });
      try {
        const progress: number[] = [];
        const got = await runPatching(
          engine,
          { cleanIds: CLEAN, corruptIds: CORRUPT, rightId: 7, wrongId: 120 },
          { onProgress: (done) => progress.push(done), forwardsPerSubmit: 10 },
        );
        const want = patchingRef(config, ref, CLEAN, CORRUPT, 7, 120);
        const tol = { atol: TOL[storage], rtol: 0 };
        expectClose([got.cleanLd, got.corruptLd], [want.cleanLd, want.corruptLd], {
          ...tol,
          label: 'clean and corrupt LD',
        });
        expect(Math.abs(want.cleanLd - want.corruptLd)).toBeGreaterThan(0.05);
        expectClose(got.headsLd.flat(), want.headsLd.flat(), { ...tol, label: 'heads LD' });
        expectClose(got.positionsLd.flat(), want.positionsLd.flat(), {
          ...tol,
          label: 'positions LD',
        });
        // Effects: the same LDs normalised, so the tolerance scales by 1 / |LD_clean - LD_corrupt|.
        const scale = 2 / Math.abs(want.cleanLd - want.corruptLd);
        expectClose(
          [...got.heads.flat(), ...got.positions.flat()] as number[],
          [...want.heads.flat(), ...want.positions.flat()] as number[],
          { atol: TOL[storage] * scale * 2, rtol: 0, label: 'effects' },
        );
        expect(got.heads).toHaveLength(config.nLayer);
        expect(got.positions[0]).toHaveLength(CLEAN.length);
        // Patching an input the prompts share changes nothing at all.
        for (const p of [0, 2, 3, 5, 6]) expect(got.positions[0][p]).toBe(0);
        // One batched sweep: 2 + L*H + L*T forwards in a few submits.
        const variants = config.nLayer * (config.nHead + CLEAN.length);
        expect(got.stats.forwards).toBe(2 + variants);
        expect(got.stats.submits).toBe(2 + Math.ceil(variants / 10));
        expect(progress[progress.length - 1]).toBe(variants);
        // Each patched run starts at its block: L - l blocks for a patch at block l.
        const L = config.nLayer;
        let blocks = 2 * L;
        for (let l = 0; l < L; l++) blocks += (L - l) * (config.nHead + CLEAN.length);
        expect(got.stats.blocks).toBe(blocks);
        expect(got.undefinedReason).toBeUndefined();
        // The engine still generates the plain model's tokens afterwards.
        const plain = await engine.logitsAfter(CLEAN);
        expect(plain[7] - plain[120]).toBeCloseTo(got.cleanLd, 4);
      } finally {
        engine.unload();
      }
    });
  }

  for (const [label, clean, corrupt] of [
    ['7 tokens', CLEAN, CORRUPT],
    ['1 token (the decode kernels)', [5], [61]],
  ] as const) {
    it(`runs started at the patched block give exactly the numbers of full forwards (${label})`, async () => {
      const { files, config, ref } = randomModel(SHAPE, { seed: 44 });
      const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
      try {
        const req = { cleanIds: [...clean], corruptIds: [...corrupt], rightId: 7, wrongId: 120 };
        const fromBlock = await runPatching(engine, req, { forwardsPerSubmit: 5 });
        const full = await runPatching(engine, req, { startAtPatchedBlock: false });
        expect(fromBlock.headsLd).toEqual(full.headsLd);
        expect(fromBlock.positionsLd).toEqual(full.positionsLd);
        expect([fromBlock.cleanLd, fromBlock.corruptLd]).toEqual([full.cleanLd, full.corruptLd]);
        const variants = config.nLayer * (config.nHead + clean.length);
        expect(full.stats.blocks).toBe(config.nLayer * (2 + variants));
        expect(fromBlock.stats.blocks).toBeLessThan(full.stats.blocks);
        expect(fromBlock.stats.dispatches).toBeLessThan(full.stats.dispatches);
        const want = patchingRef(config, ref, [...clean], [...corrupt], 7, 120);
        expectClose(fromBlock.headsLd.flat(), want.headsLd.flat(), {
          atol: TOL.f32,
          rtol: 0,
          label: 'heads LD',
        });
        expectClose(fromBlock.positionsLd.flat(), want.positionsLd.flat(), {
          atol: TOL.f32,
          rtol: 0,
          label: 'positions LD',
        });
      } finally {
        engine.unload();
      }
    });
  }

  it('patching a prompt with its own activations changes nothing; the effect is undefined, with the reason', async () => {
    const { files } = randomModel(SHAPE, { seed: 42 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const got = await runPatching(engine, {
        cleanIds: CLEAN,
        corruptIds: CLEAN,
        rightId: 7,
        wrongId: 120,
      });
      expect(got.cleanLd).toBe(got.corruptLd);
      for (const v of [...got.headsLd.flat(), ...got.positionsLd.flat()])
        expect(v).toBe(got.corruptLd);
      for (const v of [...got.heads.flat(), ...got.positions.flat()]) expect(v).toBeNull();
      expect(got.undefinedReason).toMatch(/LD_clean equals LD_corrupt .* undefined/);
    } finally {
      engine.unload();
    }
  });

  it('refuses prompts of different lengths and ids outside the vocabulary, and can be cancelled', async () => {
    const { files } = randomModel(SHAPE, { seed: 43 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      const req = { cleanIds: CLEAN, corruptIds: CORRUPT, rightId: 7, wrongId: 120 };
      await expect(runPatching(engine, { ...req, corruptIds: CORRUPT.slice(1) })).rejects.toThrow(
        /clean prompt has 7 tokens and the corrupted one 6: patching needs prompts of equal token length/,
      );
      await expect(runPatching(engine, { ...req, rightId: 211 })).rejects.toThrow(
        /211 is outside the vocabulary \(0..210\)/,
      );
      const abort = new AbortController();
      await expect(
        runPatching(engine, req, {
          forwardsPerSubmit: 4,
          signal: abort.signal,
          onProgress: () => abort.abort(),
        }),
      ).rejects.toThrow(/abort/i);
      // Nothing is left behind: the model runs plainly.
      await engine.logitsAfter(CLEAN);
    } finally {
      engine.unload();
    }
  });
});

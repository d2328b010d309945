import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import {
  computeHeadRoles,
  defaultRoleIds,
  ROLE_NAMES,
  ROLE_THRESHOLD,
  scoreHead,
} from '../../src/inspect/head-roles.ts';
import { openModelDir } from '../../src/model/sources/node-dir-files.ts';
import { headRolesRef } from '../../src/reference/head-roles.ts';
import { expectClose } from '../helpers/compare.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// Odd shapes: HS = 12 with 3 heads, nInner != 4C, V prime.
const SHAPE = { nLayer: 3, nHead: 3, nEmbd: 36, nPositions: 30, vocabSize: 211, nInner: 70 };

describe('head-role scores', () => {
  it('score a hand-made previous-token map and an induction map as such', () => {
    const n = 7; // R = 3: [bos, a, b, c, a, b, c]
    const prev = new Float64Array(n * n);
    prev[0] = 1;
    for (let i = 1; i < n; i++) prev[i * n + i - 1] = 1;
    expect(scoreHead(prev, n)).toEqual({ previous: 1, first: 1 / 6, self: 0, induction: 0 });
    const ind = new Float64Array(n * n);
    for (let i = 0; i < n; i++) ind[i * n + (i >= 4 ? i - 2 : 0)] = 1;
    const s = scoreHead(ind, n);
    expect(s.induction).toBe(1);
    expect(s.first).toBeCloseTo(3 / 6, 12);
    expect(s.previous).toBeCloseTo(1 / 6, 12); // query 1 attends position 0, its previous
  });

  it('default input: bos, then R distinct random ids twice, the same for a seed', () => {
    const ids = defaultRoleIds(50257, 1024, 7);
    expect(ids).toHaveLength(101);
    expect(ids[0]).toBe(50256);
    const first = ids.slice(1, 51);
    expect(ids.slice(51)).toEqual(first);
    expect(new Set(first).size).toBe(50);
    for (const id of first) expect(id >= 256 && id < 5000).toBe(true);
    expect(defaultRoleIds(50257, 1024, 7)).toEqual(ids);
    expect(defaultRoleIds(50257, 1024, 8)).not.toEqual(ids);
    // A short context: R = floor((P - 1) / 2); a small vocabulary: every id but bos.
    const small = defaultRoleIds(SHAPE.vocabSize, SHAPE.nPositions, 1);
    expect(small).toHaveLength(29);
    expect(small[0]).toBe(SHAPE.vocabSize - 1);
    for (const id of small.slice(1)) expect(id).toBeLessThan(SHAPE.vocabSize - 1);
  });
});

describe('head roles on the GPU', () => {
  const t = useTestGpu();

  for (const storage of ['f32', 'f16'] as const) {
    it(`equal the CPU reference's (${storage} weights, max abs error < ${storage === 'f32' ? '1e-5' : '1e-4'})`, async () => {
      const { files, config, ref } = randomModel(SHAPE, {
        seed: 21,
        roundToF16: storage === 'f16',
      });
      const engine = await Gpt2Engine.load(t.gpu, files, { storage });
      try {
        for (const ids of [
          defaultRoleIds(config.vocabSize, config.nPositions, 3),
          [5, 17, 200, 5, 17, 200, 9, 9],
        ]) {
          const got = await computeHeadRoles(engine, { ids });
          const want = headRolesRef(config, ref, ids);
          expect(got.ids).toEqual(ids);
          for (const name of ROLE_NAMES) {
            expect(got[name]).toHaveLength(config.nLayer);
            expectClose(got[name].flat(), want[name].flat(), {
              atol: storage === 'f32' ? 1e-5 : 1e-4,
              rtol: 0,
              label: `${storage} ${name}`,
            });
            for (const v of got[name].flat()) expect(v >= 0 && v <= 1 + 1e-6).toBe(true);
          }
        }
        // The default input is the seeded one.
        const byDefault = await computeHeadRoles(engine, { seed: 3 });
        expect(byDefault.ids).toEqual(defaultRoleIds(config.vocabSize, config.nPositions, 3));
      } finally {
        engine.unload();
      }
    });
  }

  it('find the previous-token head of the bundled model (layer 0, head 0)', async () => {
    const engine = await Gpt2Engine.load(t.gpu, await openModelDir('weights/tiny-trained'), {
      storage: 'f16',
    });
    try {
      const text = (
        JSON.parse(readFileSync('weights/tiny-trained/reference.json', 'utf8')) as {
          prompts: { ids: number[] }[];
        }
      ).prompts[2].ids;
      for (const ids of [undefined, text]) {
        const r = await computeHeadRoles(engine, { ids });
        const prev = r.previous.flat();
        expect(r.previous[0][0], `ids ${ids ? 'text' : 'default'}`).toBeGreaterThanOrEqual(
          ROLE_THRESHOLD,
        );
        expect(Math.max(...prev)).toBe(r.previous[0][0]);
      }
    } finally {
      engine.unload();
    }
  });

  it('find the induction head of the bundled model (layer 1, head 1) on the default input', async () => {
    const engine = await Gpt2Engine.load(t.gpu, await openModelDir('weights/tiny-trained'), {
      storage: 'f16',
    });
    try {
      for (const seed of [0, 1, 2]) {
        const r = await computeHeadRoles(engine, { seed });
        const induction = r.induction.flat();
        expect(r.induction[1][1], `seed ${seed}`).toBeGreaterThanOrEqual(ROLE_THRESHOLD);
        expect(Math.max(...induction)).toBe(r.induction[1][1]);
        // Only it: an induction score that is not everywhere (uniform attention scores ~0.02).
        expect(induction.filter((v) => v >= ROLE_THRESHOLD)).toHaveLength(1);
      }
    } finally {
      engine.unload();
    }
  });
});

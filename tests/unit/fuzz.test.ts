import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  checkConfigCase,
  checkHeaderCase,
  configCases,
  headerCases,
} from '../fuzz/header-cases.ts';
import { checkLoadCase, loadCases } from '../fuzz/load-cases.ts';
import { useTestGpu } from '../helpers/gpu.ts';

// Seeded, so a failure here repeats; `npm run fuzz -- --runs N` explores with fresh seeds.
const SEED = 20261201;

describe('fuzzed inputs end in a typed error or the oracle’s reading', () => {
  it('safetensors headers: mutated JSON, length fields, truncations, declared sizes', () => {
    fc.assert(fc.property(headerCases, checkHeaderCase), { seed: SEED, numRuns: 3000 });
  });

  it('config.json: fields replaced, removed, added, or not an object at all', () => {
    fc.assert(fc.property(configCases, checkConfigCase), { seed: SEED, numRuns: 3000 });
  });
});

describe('fuzzed checkpoints loaded on the GPU', () => {
  const t = useTestGpu();

  it('end in a typed error leaving no buffer, or put the oracle’s values on the GPU', async () => {
    await fc.assert(
      fc.asyncProperty(loadCases, (c) => checkLoadCase(t.gpu, c)),
      { seed: SEED, numRuns: 60 },
    );
  });
});

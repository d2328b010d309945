/**
 * The whole model decoding with the v2 kernels (weights held row per output, matvec_v2 with
 * layernorm / KV write / flash-decoding combine folded in, top-k + log-sum-exp in one pass)
 * against the CPU reference, step by step through the KV cache, in both geometries (a GPU's
 * and a CPU emulator's) and on shapes that are no multiple of any tile.
 */
import { describe, expect, it } from 'vitest';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { parseSamplingSettings } from '../../src/generation/sampling-settings.ts';
import type { Gpt2Config } from '../../src/model/config.ts';
import { HeadAblationHook } from '../../src/model/head-ablation.ts';
import type { KernelShape } from '../../src/model/gpt2-model.ts';
import { gpt2ForwardRef } from '../../src/reference/gpt2.ts';
import { expectClose } from '../helpers/compare.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

// HS = 16; nInner = 100 (f16 rows of 100 halves are not whole 16-byte words: the scalar
// loop); V odd.
const SMALL = { nLayer: 2, nHead: 3, nEmbd: 48, nPositions: 40, vocabSize: 397, nInner: 100 };
// HS = 14: flash-decoding needs HS % 4 == 0, so v1's attention and c_proj on z serve; C = 42
// is no multiple of 4 (every matvec takes the scalar loop, prefill runs matmul v1).
const ODD = { nLayer: 2, nHead: 3, nEmbd: 42, nPositions: 24, vocabSize: 301, nInner: 70 };
// Long enough for the keys to be split over several workgroups (64 keys per run).
const LONG = { nLayer: 1, nHead: 2, nEmbd: 32, nPositions: 160, vocabSize: 211, nInner: 64 };

function ids(n: number, V: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7919 + seed * 131 + 11) % V);
}

function row(full: Float64Array, t: number, V: number): Float64Array {
  return full.slice(t * V, (t + 1) * V);
}

async function checkDecode(
  gpu: Parameters<typeof Gpt2Engine.load>[0],
  shape: Partial<Gpt2Config>,
  opts: {
    storage: 'f32' | 'f16';
    geometry: KernelShape;
    prefill: number;
    steps: number;
    seed: number;
  },
): Promise<void> {
  const f16 = opts.storage === 'f16';
  const { files, config, ref } = randomModel(shape, { seed: opts.seed, roundToF16: f16 });
  const engine = await Gpt2Engine.load(gpu, files, {
    storage: opts.storage,
    decodeKernels: 'v2',
    shape: opts.geometry,
  });
  try {
    expect(engine.model.decodeKernels).toBe('v2');
    expect(engine.weights.layout).toBe('row-per-output');
    const V = config.vocabSize;
    const seq = ids(opts.prefill + opts.steps, V, opts.seed);
    const full = gpt2ForwardRef(config, ref, seq);
    const atol = f16 ? 2e-3 : 1e-3;
    const label = `${opts.storage} ${opts.geometry}`;
    const prefill = await engine.logitsAfter(seq.slice(0, opts.prefill));
    expectClose(prefill, row(full, opts.prefill - 1, V), {
      atol,
      rtol: 0,
      label: `${label} prefill`,
    });
    for (let T = opts.prefill + 1; T <= seq.length; T++) {
      // One token through the KV cache: the v2 decode step, then its logits read in full.
      const step = await engine.model.forward([seq[T - 1]], T - 1);
      const want = row(full, T - 1, V);
      expectClose(await engine.model.readLogits(), want, {
        atol,
        rtol: 0,
        label: `${label} decode at ${T - 1}`,
      });
      // What sampling reads back: the candidates and normalisers of one pass and a merge.
      let max = -Infinity;
      for (const v of want) max = Math.max(max, v);
      let sumExp = 0;
      for (const v of want) sumExp += Math.exp(v - max);
      expect(step.lse.max).toBeCloseTo(max, 2);
      expect(step.lse.sumExp / sumExp).toBeCloseTo(1, 2);
      const order = [...want.keys()].sort((a, b) => want[b] - want[a]);
      expect(step.candidates[0].id, `${label} top id at ${T - 1}`).toBe(order[0]);
      expect(step.stats.submits).toBe(1);
    }
  } finally {
    engine.unload();
  }
}

describe('decode with the v2 kernels equals the CPU reference', () => {
  const t = useTestGpu();

  // Each (weights, geometry) pair compiles its own pipelines (seconds each on SwiftShader):
  // f32 on a GPU's geometry and f16 on a CPU's cover both of each.
  it('f32 weights, GPU geometry: logits at every step', async () => {
    await checkDecode(t.gpu, SMALL, {
      storage: 'f32',
      geometry: 'gpu',
      prefill: 3,
      steps: 5,
      seed: 21,
    });
  });

  it('f16 weights, CPU geometry: logits at every step', async () => {
    await checkDecode(t.gpu, SMALL, {
      storage: 'f16',
      geometry: 'cpu',
      prefill: 3,
      steps: 5,
      seed: 26,
    });
  });

  it('heads of 14 channels and rows no multiple of 4 (f32 and f16)', async () => {
    await checkDecode(t.gpu, ODD, {
      storage: 'f32',
      geometry: 'gpu',
      prefill: 1,
      steps: 5,
      seed: 22,
    });
    await checkDecode(t.gpu, ODD, {
      storage: 'f16',
      geometry: 'cpu',
      prefill: 2,
      steps: 3,
      seed: 23,
    });
  });

  it('a context split over several flash-decoding runs (positions 127 .. 131)', async () => {
    await checkDecode(t.gpu, LONG, {
      storage: 'f32',
      geometry: 'gpu',
      prefill: 127,
      steps: 5,
      seed: 24,
    });
  });

  it('greedy ids, the logit lens and a head ablation equal the v1 kernels', async () => {
    const { files, config } = randomModel(SMALL, { seed: 25 });
    const run = async (decodeKernels: 'v1' | 'v2') => {
      const engine = await Gpt2Engine.load(t.gpu, files, {
        storage: 'f32',
        decodeKernels,
        shape: 'gpu',
      });
      const hook = new HeadAblationHook(t.gpu, config, engine.model.activations, {
        heads: [{ layer: 0, head: 1 }],
        mode: 'zero',
        scale: 0,
      });
      try {
        expect(engine.model.decodeKernels).toBe(decodeKernels);
        const settings = parseSamplingSettings({ temperature: 0, topK: 0, topP: 1, seed: 0 });
        const out: number[] = [];
        for await (const step of engine.generate({
          contextIds: [1, 2, 3],
          maxNewTokens: 10,
          settings: () => settings,
          stopAtEndOfText: false,
        })) {
          out.push(step.id);
        }
        const lens = await engine.logitLens(5, 5);
        // Head 1 of layer 0 zeroed at head_out: v2 then runs v1's attention into z.
        engine.setForwardHook(hook);
        await engine.logitsAfter([1, 2, 3]);
        const ablated = await engine.logitsAfter([1, 2, 3, 4]);
        return { out, lens, ablated };
      } finally {
        hook.destroy();
        engine.unload();
      }
    };
    const v1 = await run('v1');
    const v2 = await run('v2');
    expect(v2.out).toEqual(v1.out);
    expect(v2.lens.map((r) => r.candidates.map((c) => c.id))).toEqual(
      v1.lens.map((r) => r.candidates.map((c) => c.id)),
    );
    expectClose(v2.ablated, v1.ablated, { atol: 1e-4, rtol: 0, label: 'ablated decode' });
  });
});

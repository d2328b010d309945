import { describe, expect, it } from 'vitest';
import { selectFromCandidates, type Candidate } from '../../src/generation/sampler.ts';
import {
  parseSamplingSettings,
  type SamplingSettings,
} from '../../src/generation/sampling-settings.ts';
import { LOGSUMEXP_OUTPUT_BYTES, type LogitStats } from '../../src/kernels/logsumexp.ts';
import { SampleCall, sampleFields } from '../../src/kernels/sample.ts';
import { TOPK_ENTRIES, TOPK_OUTPUT_BYTES, TOPK_PAD_ID } from '../../src/kernels/topk.ts';
import { TopKLseCall } from '../../src/kernels/topk-v2.ts';
import { logSumExpRef, topKRef } from '../../src/reference/sampling.ts';
import { runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32, rng } from '../helpers/random.ts';

/** The top-k kernel's output for `logits`: TOPK_ENTRIES (f32 bits, id) pairs, padded. */
function candidateBytes(cands: readonly Candidate[]): Uint32Array {
  const out = new Uint32Array(TOPK_OUTPUT_BYTES / 4);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  for (let i = 0; i < TOPK_ENTRIES; i++) {
    f[0] = i < cands.length ? cands[i].logit : -Infinity;
    out[2 * i] = bits[0];
    out[2 * i + 1] = i < cands.length ? cands[i].id : TOPK_PAD_ID;
  }
  return out;
}

/** Distance from u to the nearest cumulative-probability boundary of the CPU's kept set. */
function boundaryDistance(probs: readonly number[], u: number): number {
  let acc = 0;
  let nearest = Infinity;
  for (const p of probs) {
    if (p === 0) break;
    acc += p;
    nearest = Math.min(nearest, Math.abs(acc - u));
  }
  return nearest;
}

describe('sample kernel (GPU sampling for pipelined decode)', () => {
  const t = useTestGpu();

  async function gpuChoice(
    cands: readonly Candidate[],
    stats: LogitStats,
    settings: SamplingSettings,
    u: number,
    vocab: number,
    outIndex = 0,
  ): Promise<Uint32Array> {
    const { gpu } = t;
    const statsWords = new Float32Array(4);
    statsWords.set([stats.max, stats.sumExp, stats.sumExpTemperature, stats.invTemperature ?? 1]);
    return withBuffers(
      gpu,
      () => ({
        candidates: gpu.createStorage('sample.test.candidates', candidateBytes(cands)),
        stats: gpu.createStorage('sample.test.stats', statsWords),
        out: gpu.createStorage('sample.test.out', new Uint32Array(4).fill(7777)),
      }),
      async (b) => {
        const call = new SampleCall(gpu, 'sample', {
          candidates: b.candidates,
          stats: b.stats,
          out: b.out,
        });
        try {
          await runPass(gpu, (pass) => call.encode(pass, { ...settings, u }, { vocab, outIndex }));
        } finally {
          call.destroy();
        }
        return new Uint32Array(await gpu.read(b.out));
      },
    );
  }

  function statsOf(logits: Float32Array, settings: SamplingSettings): LogitStats {
    const invT = settings.temperature === 0 ? 1 : 1 / settings.temperature;
    const s = logSumExpRef(logits, invT);
    // As the GPU hands them over: f32 words.
    return {
      max: s.max,
      sumExp: Math.fround(s.sumExp),
      sumExpTemperature: Math.fround(s.sumExpTemperature),
      invTemperature: Math.fround(invT),
    };
  }

  it('writes its choice at out_index and nothing else', async () => {
    const logits = randomF32(100, 3, 4);
    const settings = parseSamplingSettings({ temperature: 0, topK: 0, topP: 1 });
    const cands = topKRef(logits, TOPK_ENTRIES);
    const out = await gpuChoice(cands, statsOf(logits, settings), settings, 0, 100, 2);
    expect([...out]).toEqual([7777, 7777, cands[0].id, 7777]);
  });

  // Vocabularies smaller than, equal to and past the 64 candidates; settings that keep a set
  // inside the candidates, reach past them, or need the full logits (then the CPU decides).
  for (const V of [1, 7, 64, 65, 397, 1000]) {
    it(`chooses the CPU sampler's token from the same candidates and draw, V=${V}`, async () => {
      const random = rng(V * 31 + 5);
      let compared = 0;
      let nearBoundary = 0;
      let cpuNeedsLogits = 0;
      for (let trial = 0; trial < 48; trial++) {
        const scale = [0.5, 2, 6][trial % 3];
        const logits = randomF32(V, V * 1000 + trial, scale);
        // Ties at the edge of top-k, as quantised logits make them.
        if (trial % 5 === 4) for (let i = 0; i < V; i++) logits[i] = Math.round(logits[i] * 2) / 2;
        const settings = parseSamplingSettings({
          temperature: [0, 0.7, 1, 1.6][trial % 4],
          topK: [0, 1, 5, 40, 64, 100][Math.floor(trial / 4) % 6],
          topP: [1, 0.9, 0.5][Math.floor(trial / 2) % 3],
          seed: trial,
        });
        const u = random();
        const cands = topKRef(logits, TOPK_ENTRIES);
        const stats = statsOf(logits, settings);
        const cpu = selectFromCandidates(cands, stats, settings, u, V);
        const [gpu] = await gpuChoice(cands, stats, settings, u, V);
        const label = `V=${V} trial ${trial} ${JSON.stringify(settings)} u=${u}`;
        expect(gpu, label).toBeLessThan(V);
        if ('needsFullLogits' in cpu) {
          cpuNeedsLogits++;
          continue;
        }
        // f32 sums against f64: a draw within rounding of a boundary may go either way.
        const margin = boundaryDistance(
          cpu.distribution.map((c) => c.prob),
          u,
        );
        if (margin < 1e-4) {
          nearBoundary++;
          continue;
        }
        compared++;
        expect(gpu, label).toBe(cpu.token);
      }
      expect(compared, 'cases decided on the candidates and compared').toBeGreaterThan(24);
      expect(nearBoundary, 'draws too close to a boundary to compare').toBeLessThan(4);
      expect(cpuNeedsLogits).toBeLessThan(48 - 24);
    });
  }

  // The v2 decode makes the same walk at the end of topk_merge.wgsl (no dispatch of its own).
  async function mergeChoice(
    logits: Float32Array,
    settings: SamplingSettings,
    u: number,
  ): Promise<number> {
    const { gpu } = t;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
    return withBuffers(
      gpu,
      () => ({
        logits: gpu.createStorage('sample.test.logits', logits),
        candidates: gpu.createBuffer('sample.test.candidates', TOPK_OUTPUT_BYTES, usage),
        lse: gpu.createBuffer('sample.test.lse', LOGSUMEXP_OUTPUT_BYTES, usage),
        ids: gpu.createStorage('sample.test.ids', new Uint32Array(3).fill(7777)),
      }),
      async (b) => {
        const call = new TopKLseCall(
          gpu,
          'topk_v2',
          { logits: b.logits, candidates: b.candidates, lse: b.lse, ids: b.ids },
          { maxV: logits.length },
        );
        const invT = settings.temperature === 0 ? 1 : 1 / settings.temperature;
        try {
          await runPass(gpu, (pass) =>
            call.encode(
              pass,
              { V: logits.length, inv_temperature: invT },
              { params: { ...settings, u }, outIndex: 1 },
            ),
          );
        } finally {
          call.destroy();
        }
        const ids = new Uint32Array(await gpu.read(b.ids));
        expect(ids[0]).toBe(7777);
        expect(ids[2]).toBe(7777);
        return ids[1];
      },
    );
  }

  for (const V of [7, 65, 1000, 3001]) {
    it(`the top-k merge chooses as the sample kernel does, V=${V}`, async () => {
      const random = rng(V + 17);
      let compared = 0;
      for (let trial = 0; trial < 12; trial++) {
        const logits = randomF32(V, V * 7 + trial, [0.5, 3][trial % 2]);
        const settings = parseSamplingSettings({
          temperature: [0, 0.8, 1.3][trial % 3],
          topK: [0, 10, 64][Math.floor(trial / 3) % 3],
          topP: [1, 0.8][Math.floor(trial / 2) % 2],
        });
        const u = random();
        const cands = topKRef(logits, TOPK_ENTRIES);
        const stats = statsOf(logits, settings);
        const merged = await mergeChoice(logits, settings, u);
        const cpu = selectFromCandidates(cands, stats, settings, u, V);
        if ('needsFullLogits' in cpu) continue;
        if (
          boundaryDistance(
            cpu.distribution.map((c) => c.prob),
            u,
          ) < 1e-4
        )
          continue;
        compared++;
        expect(merged, `V=${V} trial ${trial} ${JSON.stringify(settings)} u=${u}`).toBe(cpu.token);
      }
      expect(compared).toBeGreaterThan(6);
    });
  }

  it('refuses a draw outside [0, 1) unless greedy', () => {
    const settings = parseSamplingSettings({ temperature: 1 });
    expect(() => sampleFields({ ...settings, u: 1 })).toThrow(/\[0, 1\)/);
    expect(() => sampleFields({ ...settings, u: NaN })).toThrow(/\[0, 1\)/);
    expect(sampleFields({ ...settings, temperature: 0, u: NaN })).toMatchObject({
      greedy: 1,
      u: 0,
    });
  });

  it('needs room for the candidates and the stats', () => {
    const { gpu } = t;
    const small = gpu.createBuffer('sample.test.small', 16, GPUBufferUsage.STORAGE);
    const stats = gpu.createBuffer(
      'sample.test.stats',
      LOGSUMEXP_OUTPUT_BYTES,
      GPUBufferUsage.STORAGE,
    );
    try {
      expect(() => new SampleCall(gpu, 'sample', { candidates: small, stats, out: small })).toThrow(
        /candidates need/,
      );
    } finally {
      gpu.destroyBuffer(small);
      gpu.destroyBuffer(stats);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { paperEstimate, type GpuSpec } from '../../src/bench/paper-estimate.ts';
import type { DevicePeak } from '../../src/bench/peak.ts';
import { kernelRooflines, rooflineMs, stepRoofline } from '../../src/bench/roofline.ts';
import { formatBench, runBench } from '../../src/bench/run-bench.ts';
import type { DispatchRow, StepStructure } from '../../src/bench/step-structure.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';

const PEAK: DevicePeak = {
  bufferBytes: 1e9,
  readGBs: 100,
  copyGBs: 80,
  bandwidthGBs: 100,
  gflops: 1000,
  fma: { invocations: 1, iters: 1 },
  method: 'submit-to-done',
};

function row(op: string, bytesRead: number, flops: number, invocations: number): DispatchRow {
  return {
    kernel: op,
    op,
    label: op,
    workgroups: [invocations / 64, 1, 1],
    invocationsPerWorkgroup: 64,
    invocations,
    bytesRead,
    bytesWritten: 0,
    flops,
    loadBytes: 16,
    readsWeights: true,
  };
}

function structure(rows: DispatchRow[]): StepStructure {
  return {
    dispatches: rows.length,
    bytesRead: rows.reduce((s, r) => s + r.bytesRead, 0),
    bytesWritten: 0,
    flops: rows.reduce((s, r) => s + r.flops, 0),
    weightReaders: { dispatches: rows.length, minInvocations: 0 },
    rows,
  };
}

describe('roofline arithmetic', () => {
  it('takes the slower of moving the bytes and doing the FLOPs at peak', () => {
    // 100 GB/s: 1e8 bytes take 1 ms. 1000 GFLOP/s: 1e9 FLOPs take 1 ms.
    expect(rooflineMs(1e8, 0, PEAK)).toBeCloseTo(1, 9);
    expect(rooflineMs(1e8, 4e9, PEAK)).toBeCloseTo(4, 9);
    expect(rooflineMs(2e8, 1e9, PEAK)).toBeCloseTo(2, 9);
  });

  it('a kernel timed at 0 (below the timer resolution) gets no made-up rate', () => {
    const [mv] = kernelRooflines(structure([row('matvec', 5e7, 1e7, 6400)]), { matvec: 0 }, PEAK);
    expect(mv.ms).toBe(0);
    expect(mv.achievedGBs).toBeNull();
    expect(mv.achievedGflops).toBeNull();
    expect(mv.percent).toBeNull();
    // Plain data: the page and the CLI print it as JSON.
    expect(JSON.parse(JSON.stringify(mv))).toEqual(mv);
  });

  it('sums each kind, and says how close its measured time is to the roofline', () => {
    const s = structure([
      row('matvec', 5e7, 1e7, 6400),
      row('matvec', 5e7, 1e7, 128),
      row('gemm', 1e6, 8e9, 64),
    ]);
    const [mv, gemm] = kernelRooflines(s, { matvec: 4, gemm: 16 }, PEAK);
    expect(mv).toMatchObject({
      op: 'matvec',
      dispatches: 2,
      minInvocations: 128,
      maxInvocations: 6400,
    });
    expect(mv.bytesRead).toBe(1e8);
    expect(mv.rooflineMs).toBeCloseTo(1, 9);
    expect(mv.percent).toBeCloseTo(25, 9);
    expect(mv.achievedGBs).toBeCloseTo(25, 9);
    expect(mv.bound).toBe('memory');
    expect(gemm.bound).toBe('compute');
    expect(gemm.rooflineMs).toBeCloseTo(8, 9);
    expect(gemm.percent).toBeCloseTo(50, 9);
    expect(gemm.intensity).toBeCloseTo(8000, 9);
    const step = stepRoofline(s, 20, PEAK);
    expect(step.bytes).toBe(1.01e8);
    expect(step.rooflineMs).toBeCloseTo(8.02, 9);
    expect(step.percent).toBeCloseTo((100 * 8.02) / 20, 9);
  });
});

describe('paper estimate', () => {
  const gpu: GpuSpec = {
    name: 'paper GPU',
    bandwidthGBs: 1000,
    gflops: 1e5,
    residentInvocations: 100_000,
    latencyUs: 0.5, // 500 KB in flight needed
    dispatchOverheadUs: 10,
  };

  it('gives a wide dispatch the full bandwidth and a narrow one its share of the bytes in flight', () => {
    const wide = paperEstimate([row('a', 1e9, 0, 64 * 2000)], gpu);
    // 1 GB at 1000 GB/s = 1 ms, plus 10 us.
    expect(wide.ms).toBeCloseTo(1.01, 9);
    expect(wide.percent).toBeCloseTo(100 / 1.01, 6);
    // 3,200 invocations x 16 B = 51.2 KB in flight: a tenth of what is needed (512 KB... 500 KB).
    const narrow = paperEstimate([row('a', 1e9, 0, 3200)], gpu);
    expect(narrow.ms).toBeCloseTo(1 / (51_200 / 500_000) + 0.01, 6);
    expect(narrow.bandwidthShare).toBeCloseTo(51_200 / 500_000, 2);
    expect(narrow.overheadMs).toBeCloseTo(0.01, 9);
  });
});

describe('runBench', () => {
  const t = useTestGpu();
  const SHAPE = { nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 24, vocabSize: 1500, nInner: 64 };

  for (const timing of ['submit-to-done', 'timestamp-query'] as const) {
    it(`reports the roofline of each kernel kind of a decode step and a prefill (${timing})`, async () => {
      if (timing === 'timestamp-query') {
        // SwiftShader offers timestamp queries; an adapter without them is told so.
        expect(t.gpu.capabilities.timestampQuery).toBe(true);
      }
      const { files } = randomModel(SHAPE, { seed: 2 });
      const r = await runBench(t.gpu, files, {
        storage: 'f32',
        prefillTokens: 6,
        decodeSteps: 2,
        peakBytes: 1 << 20,
        timing,
      });
      expect(r.timing).toBe(timing);
      expect(r.peak.readGBs).toBeGreaterThan(0);
      expect(r.peak.gflops).toBeGreaterThan(0);
      expect(r.device.features).toContain('timestamp-query');
      expect(r.device.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
      for (const step of [r.decode, r.prefill]) {
        const ops = new Set(step.structure.rows.map((x) => x.op));
        expect(step.kernels.map((k) => k.op)).toEqual([...ops]);
        for (const k of step.kernels) {
          // A small kernel may time below the timer's resolution (0): then no rate is made up.
          expect(k.ms, k.op).toBeGreaterThanOrEqual(0);
          if (k.ms > 0) {
            expect(k.percent, k.op).toBeGreaterThan(0);
            expect(k.achievedGBs, k.op).toBeGreaterThan(0);
          } else {
            expect(k.percent, k.op).toBeNull();
            expect(k.achievedGBs, k.op).toBeNull();
          }
        }
        expect(step.kernels.reduce((s, k) => s + k.ms, 0)).toBeGreaterThan(0);
        const kernelBytes = step.kernels.reduce((s, k) => s + k.bytesRead + k.bytesWritten, 0);
        expect(kernelBytes).toBe(step.roofline.bytes);
        expect(step.roofline.percent).toBeGreaterThan(0);
        expect(step.estimates.map((e) => e.gpu)).toEqual([
          'Apple M1 (8-core GPU)',
          'NVIDIA RTX 4090',
        ]);
      }
      expect(r.decode.structure.dispatches).toBe(r.decode.dispatches);
      // The step as generation queues it: the GPU chooses the next token too (v1 here: a
      // dispatch of its own), and the loop was timed both ways with the same tokens.
      expect(r.decode.structure.rows.filter((x) => x.op === 'sample')).toHaveLength(1);
      expect(r.decode.loop).toMatchObject({ tokens: 2, ahead: 2, sameTokens: true });
      expect(r.decode.loop.pipelinedMsPerToken).toBeGreaterThan(0);
      expect(r.decode.loop.plainMsPerToken).toBeGreaterThan(0);
      expect(r.prefill.structure.rows.find((x) => x.kernel === 'matmul_v2')?.workgroups[1]).toBe(1);
      const text = formatBench(r);
      expect(text).toMatch(/^peak +read [\d.]+ GB\/s/m);
      expect(text).toMatch(/^matvec +8 /m);
      expect(text).toMatch(/paper estimates/);
      expect(text).toMatch(/^loop +2 tokens: pipelined [\d.]+ ms\/token/m);
      // Plain data: what the page and the CLI print as JSON.
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    });
  }
});

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stepStructure } from '../../src/bench/step-structure.ts';
import { Gpt2Engine } from '../../src/generation/gpt2-engine.ts';
import { DispatchRecorder } from '../../src/gpu/dispatch-recorder.ts';
import { workgroupSize, WorkgroupSizeError } from '../../src/gpu/workgroup-size.ts';
import { matmulV2Supports } from '../../src/kernels/matmul-v2.ts';
import { GPT2_PRESETS } from '../../src/model/config.ts';
import { Gpt2Model } from '../../src/model/gpt2-model.ts';
import { topkRounds } from '../../src/kernels/topk.ts';
import { useTestGpu } from '../helpers/gpu.ts';
import { randomModel } from '../helpers/model-fixture.ts';
import { shellWeights } from '../helpers/shell-weights.ts';

describe('workgroupSize reads @workgroup_size from WGSL', () => {
  it('takes literals, consts, overrides, pipeline constants and arithmetic', () => {
    expect(workgroupSize('@compute @workgroup_size(256) fn main() {}')).toEqual([256, 1, 1]);
    expect(workgroupSize('@compute @workgroup_size(8u, 4, 2i)\nfn main() {}')).toEqual([8, 4, 2]);
    const code = `
      const WG: u32 = 64u; // not 32
      const HALF = WG / 2u;
      override ROWS: u32 = 4u;
      @compute @workgroup_size(HALF, (ROWS + 1u) * 2u)
      fn main() {}`;
    expect(workgroupSize(code)).toEqual([32, 10, 1]);
    expect(workgroupSize(code, { ROWS: 2 })).toEqual([32, 6, 1]);
    // The size of the named entry point, not of another function's attribute.
    const two =
      '@compute @workgroup_size(4) fn other() {}\n@compute @workgroup_size(16) fn main() {}';
    expect(workgroupSize(two)).toEqual([16, 1, 1]);
  });

  it('says what it cannot read', () => {
    expect(() => workgroupSize('fn main() {}')).toThrow(WorkgroupSizeError);
    expect(() => workgroupSize('@compute @workgroup_size(N) fn main() {}')).toThrow(/N is not/);
    expect(() => workgroupSize('@compute @workgroup_size(0) fn main() {}')).toThrow(/evaluates/);
  });

  it('reads every shader in shaders/', () => {
    for (const file of readdirSync('shaders').filter((f) => f.endsWith('.wgsl'))) {
      const size = workgroupSize(readFileSync(`shaders/${file}`, 'utf8'));
      expect(size[0] * size[1] * size[2], file).toBeGreaterThan(0);
    }
  });
});

// Small but not round (as in gpt2-model.test.ts): HS = 16, nInner != 4C, odd V.
const SHAPE = { nLayer: 2, nHead: 3, nEmbd: 48, nPositions: 40, vocabSize: 2500, nInner: 100 };

// One device for the file: every model below shares its compiled pipelines.
const t = useTestGpu();

describe('the dispatch recorder sees the structure the model encodes', () => {
  for (const storage of ['f32', 'f16'] as const) {
    it(`records every dispatch of a decode step and a prefill (${storage} weights)`, async () => {
      const { files, config } = randomModel(SHAPE, { seed: 9 });
      const engine = await Gpt2Engine.load(t.gpu, files, { storage });
      try {
        const { nLayer: L, nEmbd: C, nHead: NH, nInner, vocabSize: V } = config;
        const model = engine.model;
        const ids = [1, 2, 3, 4, 5, 6, 7];
        const T = ids.length;
        const prefillRec = new DispatchRecorder();
        const prefill = await model.forward(ids, 0, 1, { recorder: prefillRec });
        const decodeRec = new DispatchRecorder();
        const decode = await model.forward([9], T, 1, { recorder: decodeRec });

        // Every dispatch the pass saw was recorded, and a dry run records the same.
        expect(prefillRec.records.length).toBe(prefill.stats.dispatches);
        expect(decodeRec.records.length).toBe(decode.stats.dispatches);
        expect(model.recordForward(1, T)).toEqual(decodeRec.records);
        expect(model.recordForward(T, 0)).toEqual(prefillRec.records);
        expect(model.position).toBe(T + 1);

        // What the code encodes today (v1 kernels), derived from each binding's geometry.
        const rounds = topkRounds(V);
        const matvec = (N: number) => ({
          kernel: 'matvec',
          workgroups: [Math.ceil(N / 16), 1, 1],
          invocationsPerWorkgroup: 64,
        });
        const layer = [
          { kernel: 'layernorm', workgroups: [1, 1, 1], invocationsPerWorkgroup: 256 },
          matvec(3 * C),
          {
            kernel: 'kv_write',
            workgroups: [Math.ceil(C / 256), 1, 1],
            invocationsPerWorkgroup: 256,
          },
          { kernel: 'attention', workgroups: [NH, 1, 1], invocationsPerWorkgroup: 64 },
          matvec(C),
          { kernel: 'layernorm', workgroups: [1, 1, 1], invocationsPerWorkgroup: 256 },
          matvec(nInner),
          matvec(C),
        ];
        const expected = [
          {
            kernel: 'embedding',
            workgroups: [Math.ceil(C / 256), 1, 1],
            invocationsPerWorkgroup: 256,
          },
          ...Array.from({ length: L }, () => layer).flat(),
          { kernel: 'layernorm', workgroups: [1, 1, 1], invocationsPerWorkgroup: 256 },
          { kernel: 'logits', workgroups: [Math.ceil(V / 8), 1, 1], invocationsPerWorkgroup: 64 },
          ...rounds.map((n) => ({
            kernel: 'topk',
            workgroups: [Math.ceil(n / 1024), 1, 1],
            invocationsPerWorkgroup: 64,
          })),
          { kernel: 'logsumexp', workgroups: [1, 1, 1], invocationsPerWorkgroup: 256 },
        ];
        expect(decodeRec.records.length).toBe(1 + 8 * L + 3 + rounds.length);
        expect(
          decodeRec.records.map((r) => ({
            kernel: r.kernel,
            workgroups: r.workgroups,
            invocationsPerWorkgroup: r.invocationsPerWorkgroup,
          })),
        ).toEqual(expected);
        for (const r of [...decodeRec.records, ...prefillRec.records]) {
          const [x, y, z] = r.workgroups;
          expect(r.invocations, r.label).toBe(x * y * z * r.invocationsPerWorkgroup);
          expect(r.constants.WEIGHTS_F16 ?? (storage === 'f16' ? 1 : 0), r.label).toBe(
            storage === 'f16' ? 1 : 0,
          );
        }
        // Op kinds as the model names them for the timing breakdown.
        expect(decodeRec.records.filter((r) => r.op === 'matvec')).toHaveLength(4 * L);
        // Prefill runs the v2 kernels: a matmul per linear layer (split K only on a GPU, whose
        // combine belongs to the same op), attention in blocks of 16 queries, 4 rows per
        // layernorm workgroup.
        // (with f16 weights, c_fc's N = 100 is no multiple of 8: v1 serves it).
        const matmuls = prefillRec.records.filter((r) => r.op === 'matmul');
        const v2Shapes = [
          [C, 3 * C],
          [C, C],
          [C, nInner],
          [nInner, C],
        ].filter(([K, N]) => matmulV2Supports(K, N, storage === 'f16')).length;
        expect(v2Shapes).toBe(storage === 'f16' ? 3 : 4);
        expect(matmuls.filter((r) => r.kernel === 'matmul_v2')).toHaveLength(v2Shapes * L);
        expect(matmuls.filter((r) => r.kernel === 'matmul')).toHaveLength((4 - v2Shapes) * L);
        expect(matmuls.every((r) => /^(matmul_v2|split_k_sum|matmul)$/.test(r.kernel))).toBe(true);
        expect(prefillRec.records.find((r) => r.kernel === 'attention_v2')?.workgroups).toEqual([
          NH,
          Math.ceil(T / 16),
          1,
        ]);
        expect(prefillRec.records.filter((r) => r.kernel === 'layernorm_v2')).toHaveLength(2 * L);
        // The v1 baselines stay one switch away, with v1's geometry.
        model.prefillKernels = 'v1';
        const v1 = model.recordForward(T, 0);
        model.prefillKernels = 'v2';
        expect(v1.filter((r) => r.op === 'matmul').map((r) => r.kernel)).toEqual(
          Array(4 * L).fill('matmul'),
        );
        expect(v1.find((r) => r.kernel === 'attention')?.workgroups).toEqual([NH, T, 1]);
        expect(v1.filter((r) => r.kernel.endsWith('_v2'))).toEqual([]);

        // Every kernel has a cost model, and the bytes cover the weights the step reads.
        const s = stepStructure(decodeRec.records);
        expect(s.dispatches).toBe(decode.stats.dispatches);
        // The weight readers: embedding, the four matvecs per layer, the LM head.
        expect(s.weightReaders.dispatches).toBe(1 + 4 * L + 1);
        expect(s.weightReaders.minInvocations).toBe(Math.min(256, Math.ceil(C / 16) * 64));
        expect(s.bytesRead).toBeGreaterThan(decode.stats.weightBytes);
        expect(s.bytesRead).toBeLessThan(decode.stats.weightBytes * 1.5);
        const weights = s.rows
          .filter((r) => r.kernel === 'matvec')
          .reduce((n, r) => n + r.bytesRead, 0);
        const perLayer = C * 3 * C + C * C + 2 * C * nInner;
        const bpw = storage === 'f16' ? 2 : 4;
        expect(weights).toBeGreaterThanOrEqual(L * perLayer * bpw);
        expect(stepStructure(prefillRec.records).flops).toBeGreaterThan(2 * T * L * perLayer);
      } finally {
        engine.unload();
      }
    });
  }

  it('refuses a dry run beyond the context', async () => {
    const { files, config } = randomModel(SHAPE, { seed: 9 });
    const engine = await Gpt2Engine.load(t.gpu, files, { storage: 'f32' });
    try {
      expect(() => engine.model.recordForward(2, config.nPositions - 1)).toThrow(
        /context|positions/i,
      );
      expect(() => engine.model.recordForward(0, 0)).toThrow(RangeError);
    } finally {
      engine.unload();
    }
  });
});

describe('the v2 decode step: 5 dispatches per layer plus 4, wide enough for a big GPU', () => {
  it('records a v2 decode step as it runs (and a dry run records the same)', async () => {
    const { files, config } = randomModel(SHAPE, { seed: 9 });
    const engine = await Gpt2Engine.load(t.gpu, files, {
      storage: 'f32',
      decodeKernels: 'v2',
      shape: 'gpu',
    });
    try {
      const { nLayer: L, nEmbd: C, nHead: NH, nInner, vocabSize: V } = config;
      const model = engine.model;
      await model.forward([1, 2, 3], 0);
      const rec = new DispatchRecorder();
      const step = await model.forward([4], 3, 1, { recorder: rec });
      expect(rec.records.length).toBe(step.stats.dispatches);
      expect(model.recordForward(1, 3)).toEqual(rec.records);
      const mv = (op: string, N: number, rowsPerGroup: number) => ({
        kernel: t.gpu.capabilities.subgroups ? 'matvec_v2.subgroups' : 'matvec_v2',
        op,
        workgroups: [Math.ceil(N / rowsPerGroup), 1, 1],
        invocationsPerWorkgroup: 256,
      });
      // GPU geometry: 4 rows per invocation for c_attn and c_fc (64 lanes a row: 16 rows per
      // workgroup), 1 for the projections (4 rows per workgroup), 64 rows for the LM head.
      const layer = [
        mv('matvec', 3 * C, 16),
        {
          kernel: 'attention_split',
          op: 'attention',
          workgroups: [1, NH, 1],
          invocationsPerWorkgroup: 64,
        },
        mv('matvec', C, 4),
        mv('matvec', nInner, 16),
        mv('matvec', C, 4),
      ];
      const expected = [
        {
          kernel: 'embedding',
          op: 'embedding',
          workgroups: [1, 1, 1],
          invocationsPerWorkgroup: 256,
        },
        ...Array.from({ length: L }, () => layer).flat(),
        mv('lm_head', V, 64),
        {
          kernel: 'topk_lse',
          op: 'topk',
          workgroups: [Math.ceil(V / 1024), 1, 1],
          invocationsPerWorkgroup: 64,
        },
        { kernel: 'topk_merge', op: 'topk', workgroups: [1, 1, 1], invocationsPerWorkgroup: 256 },
      ];
      expect(
        rec.records.map((r) => ({
          kernel: r.kernel,
          op: r.op,
          workgroups: r.workgroups,
          invocationsPerWorkgroup: r.invocationsPerWorkgroup,
        })),
      ).toEqual(expected);
      expect(rec.records).toHaveLength(5 * L + 4);
      // c_attn writes q, k, v into the caches at the position; ln_1, ln_2 and ln_f are folded in.
      const qkv = rec.records[1];
      expect(qkv.constants).toMatchObject({ KV_OUT: 1, PROLOGUE: 1 });
      expect(qkv.params).toMatchObject({ out_offset: 3 * C, split: C });
      expect(rec.records[3].constants).toMatchObject({ PROLOGUE: 2, ACCUMULATE: 1 });
      expect(rec.records[4].constants).toMatchObject({ PROLOGUE: 1, GELU: 1 });
      expect(rec.records[5 * L + 1].constants).toMatchObject({ PROLOGUE: 1, BIAS: 0 });
      // Every kernel has a cost model; bytes cover every weight once.
      const s = stepStructure(rec.records);
      expect(s.bytesRead).toBeGreaterThan(step.stats.weightBytes);
      expect(s.bytesRead).toBeLessThan(step.stats.weightBytes * 1.5);
    } finally {
      engine.unload();
    }
  });

  it('GPT-2 small decodes in at most 64 dispatches, every matvec with >= 32k invocations', () => {
    const config = GPT2_PRESETS.gpt2;
    // f32 only: f16 changes bytes, not geometry, and its pipelines would cost a minute here.
    for (const storage of ['f32'] as const) {
      // Weight buffers of the right sizes, never written: a dry run only records.
      const weights = shellWeights(t.gpu, config, storage, 'row-per-output');
      const model = new Gpt2Model(t.gpu, weights, { shape: 'gpu' });
      try {
        for (const pos of [0, 128, 1023]) {
          const records = model.recordForward(1, pos);
          expect(records.length, `${storage} @${pos}`).toBeLessThanOrEqual(64);
          const s = stepStructure(records);
          const matvecs = s.rows.filter((r) => r.kernel.startsWith('matvec_v2'));
          expect(matvecs).toHaveLength(4 * config.nLayer + 1);
          for (const r of matvecs) expect(r.invocations, r.label).toBeGreaterThanOrEqual(32 * 1024);
          // Every 16-byte load; at most 64 serial steps of a row per invocation (GPT-2 XL's
          // 6400-wide c_proj rows are 25 at 64 lanes in f32).
          expect(matvecs.every((r) => r.loadBytes === 16)).toBe(true);
          const attention = s.rows.filter((r) => r.op === 'attention');
          expect(attention.every((r) => r.kernel === 'attention_split')).toBe(true);
          // Past 64 keys the keys split over several workgroups per head.
          expect(attention[0].workgroups[0]).toBe(
            pos < 64 ? 1 : Math.min(8, Math.ceil((pos + 1) / 64)),
          );
        }
        expect(model.recordForward(1, 128)).toHaveLength(64);
        // Pipelined, the merge of top-k also chooses the next token: still 64 dispatches.
        const sampled = model.recordForward(1, 128, {
          temperature: 0.8,
          topK: 40,
          topP: 1,
          u: 0.3,
        });
        expect(sampled).toHaveLength(64);
        expect(sampled.at(-1)?.params).toMatchObject({ sample: 1, top_k: 40, out_index: 0 });
      } finally {
        model.destroy();
        weights.destroy();
      }
    }
  });
});

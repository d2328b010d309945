import { describe, expect, it } from 'vitest';
import { defineKind } from '../../src/bench/kernel-versions.ts';
import { runKernelVersions } from '../../src/bench/run-kernel-versions.ts';
import type { AttentionInputs } from '../../src/bench/versions/attention.ts';
import { KERNEL_KINDS } from '../../src/bench/versions/index.ts';
import type { LinearInputs } from '../../src/bench/versions/linear.ts';
import type { LmHeadInputs } from '../../src/bench/versions/lm-head.ts';
import type { TopKInputs } from '../../src/bench/versions/topk.ts';
import type { Gpt2Config } from '../../src/model/config.ts';
import { TOPK_ENTRIES, parseCandidates } from '../../src/kernels/topk.ts';
import { causalAttentionRef } from '../../src/reference/attention.ts';
import { linearRef } from '../../src/reference/linear.ts';
import { logitsRef } from '../../src/reference/logits.ts';
import { topKRef } from '../../src/reference/sampling.ts';
import { expectClose } from '../helpers/compare.ts';
import { runPass, useTestGpu } from '../helpers/gpu.ts';

// Awkward sizes: HS = 16 with 3 heads, nInner != 4C, V not a multiple of any chunk.
const CFG: Gpt2Config = {
  nLayer: 1,
  nHead: 3,
  nEmbd: 48,
  nPositions: 40,
  vocabSize: 2500,
  nInner: 100,
  layerNormEpsilon: 1e-5,
};

/** The CPU reference of each kind on a case's inputs (what every version must compute). */
const REFERENCES: Record<string, (inputs: never) => Float32Array | Uint32Array> = {
  matvec: (x: LinearInputs) => linearRef(x.cpu.input, x.cpu.weight, x.cpu.bias, x),
  matmul: (x: LinearInputs) => linearRef(x.cpu.input, x.cpu.weight, x.cpu.bias, x),
  lm_head: (x: LmHeadInputs) => logitsRef(x.cpu.x, x.cpu.wte, x),
  attention_decode: attentionRows,
  attention_prefill: attentionRows,
  topk: (x: TopKInputs) => {
    const words = new Uint32Array(TOPK_ENTRIES * 2);
    const f = new Float32Array(words.buffer);
    topKRef(x.cpu.logits, TOPK_ENTRIES).forEach((c, i) => {
      f[2 * i] = c.logit;
      words[2 * i + 1] = c.id;
    });
    return words;
  },
};

function attentionRows(x: AttentionInputs): Float32Array {
  const P = x.pos0 + x.T;
  const full = causalAttentionRef(x.cpu.q, x.cpu.k, x.cpu.v, P, x.C, x.NH).out;
  return full.slice(x.pos0 * x.C, P * x.C);
}

describe('numbered kernel versions', () => {
  const t = useTestGpu();

  it('every kind has a v1 and a CPU reference here', () => {
    for (const kind of KERNEL_KINDS) {
      expect(
        kind.versions.map((v) => v.version),
        kind.kind,
      ).toContain(1);
      expect(REFERENCES[kind.kind], `${kind.kind}: add its reference to this test`).toBeDefined();
    }
    expect(() =>
      defineKind({ kind: 'x', about: '', compare: 'f32', cases: () => [], versions: [] }),
    ).toThrow(/no v1/);
  });

  for (const f16 of [false, true]) {
    it(`every version of every kind matches the CPU reference on the shared inputs (${f16 ? 'f16' : 'f32'} weights)`, async () => {
      const { gpu } = t;
      for (const kind of KERNEL_KINDS) {
        for (const c of kind.cases(CFG, { f16, T: 7 })) {
          const inputs = c.makeInputs(gpu);
          try {
            const want = REFERENCES[kind.kind](inputs as never);
            for (const v of kind.versions) {
              const run = v.setup(gpu, inputs as never);
              try {
                await runPass(gpu, run.encode);
                const bytes = await gpu.read(run.output, 0, c.outputWords * 4);
                const label = `${kind.kind} ${c.name} v${v.version}`;
                if (kind.compare === 'u32') {
                  const got = parseCandidates(bytes);
                  const ref = parseCandidates(want.buffer as ArrayBuffer);
                  expect(got, label).toEqual(ref);
                } else {
                  expectClose(new Float32Array(bytes), want, { atol: 1e-4, rtol: 1e-4, label });
                }
              } finally {
                run.destroy();
              }
            }
          } finally {
            inputs.destroy();
          }
        }
      }
    });
  }

  it('runs them side by side and reports time, ratio to v1, difference from v1 and structure', async () => {
    const results = await runKernelVersions(t.gpu, KERNEL_KINDS, CFG, {
      f16: false,
      T: 7,
      runs: 1,
    });
    const kinds = new Set(results.map((r) => r.kind));
    expect([...kinds]).toEqual(KERNEL_KINDS.map((k) => k.kind));
    for (const r of results) {
      expect(r.ms, `${r.kind} ${r.case}`).toBeGreaterThan(0);
      expect(r.dispatches).toBeGreaterThan(0);
      expect(r.maxInvocations).toBeGreaterThan(0);
      expect(r.diffFromV1).toBeLessThan(1e-3);
      if (r.version === 1) expect(r.ratioToV1).toBe(1);
    }
    // v1 of each kind runs the engine's original kernel.
    const v1 = (kind: string) => results.find((r) => r.kind === kind && r.version === 1)!;
    expect(v1('matvec').kernels).toEqual(['matvec']);
    expect(v1('matmul').kernels).toEqual(['matmul']);
    expect(v1('lm_head').kernels).toEqual(['logits']);
    expect(v1('attention_decode').kernels).toEqual(['attention']);
    expect(v1('topk').kernels).toEqual(['topk', 'topk']);
    expect(results.filter((r) => r.kind === 'matvec')).toHaveLength(
      4 * KERNEL_KINDS.find((k) => k.kind === 'matvec')!.versions.length,
    );
  });
});

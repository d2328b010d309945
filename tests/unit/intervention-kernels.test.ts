import { describe, expect, it } from 'vitest';
import { ColumnMeanCall } from '../../src/kernels/column-mean.ts';
import { HeadProjCall } from '../../src/kernels/head-proj.ts';
import { LogitAttributionCall, NO_ROW } from '../../src/kernels/logit-attribution.ts';
import { RowsMixCall, type RowsMixSizes } from '../../src/kernels/rows-mix.ts';
import { packF16, roundToF16 } from '../../src/model/half.ts';
import { columnMeanRef } from '../../src/reference/column-mean.ts';
import { headProjRef } from '../../src/reference/head-proj.ts';
import { logitAttributionRef } from '../../src/reference/logit-attribution.ts';
import { rowsMixRef } from '../../src/reference/rows-mix.ts';
import { expectClose } from '../helpers/compare.ts';
import { emptyStorage, runPass, useTestGpu, withBuffers } from '../helpers/gpu.ts';
import { randomF32 } from '../helpers/random.ts';

// The kernels behind interventions (rows_mix, column_mean), and direct logit attribution
// (head_proj, logit_attribution), against their CPU references on awkward sizes.

describe('intervention references', () => {
  it('rows_mix keeps, takes and scales by group, repeating a source row at stride 0', () => {
    // x [2, 4], groups of 2: group 0 kept, group 1 replaced by src row 0 (stride 0) times 2.
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const src = new Float32Array([10, 20, 30, 40]);
    const coefs = new Float32Array([1, 0, 0, 2]);
    const s = { rows: 2, C: 4, group: 2, x_row0: 0, src_row0: 0, src_stride: 0, coef0: 0 };
    expect([...rowsMixRef(x, src, coefs, s)]).toEqual([1, 2, 60, 80, 5, 6, 60, 80]);
    // A dropped term is never read: NaN in x stays out when keep is 0.
    const nan = new Float32Array([NaN, NaN]);
    const one = { ...s, rows: 1, C: 2, group: 2 };
    expect([...rowsMixRef(nan, src, new Float32Array([0, 1]), one)]).toEqual([10, 20]);
  });

  it('column mean, head projection and logit attribution on small cases', () => {
    expect([...columnMeanRef(new Float32Array([1, 2, 3, 6]), 2, 2)]).toEqual([2, 4]);
    // C = 2, NH = 2, HS = 1: row h = z[h] * W[h, :].
    const W = new Float32Array([1, 2, 3, 4]);
    expect([...headProjRef([10, 100], W, 2, 2)]).toEqual([10, 20, 300, 400]);
    // Components [1, 3] and [0, 0] of x = [1, 3]: sigma = sqrt(1 + eps).
    const r = logitAttributionRef(
      [
        [1, 3],
        [0, 0],
      ],
      [1, 3],
      [1, 1],
      [0.5, 0.5],
      [2, 4],
      0,
    );
    expect(r.dla).toEqual([2, 0]); // ((-1) * 2 + 1 * 4) / 1
    expect(r.beta).toBe(3);
  });
});

describe('intervention kernels', () => {
  const t = useTestGpu();

  const mixCases: { name: string; rows: number; C: number; group: number; stride: 'row' | 0 }[] = [
    { name: 'heads, one row', rows: 1, C: 36, group: 12, stride: 'row' },
    { name: 'heads, odd rows', rows: 13, C: 60, group: 20, stride: 'row' },
    { name: 'repeated mean row', rows: 7, C: 36, group: 12, stride: 0 },
    { name: 'whole rows', rows: 1, C: 300, group: 300, stride: 'row' },
  ];
  for (const c of mixCases) {
    it(`rows_mix matches the reference (${c.name})`, async () => {
      const { gpu } = t;
      const { rows, C, group } = c;
      const NG = C / group;
      const xRows = rows + 3;
      const x = randomF32(xRows * C, rows + C);
      x[C + 1] = NaN; // a dropped term must not read it (row 1 is x_row0 below)
      const src = randomF32((rows + 5) * C, rows * 3 + 1);
      // Two coefficient sets, the call uses the second: keep, take per group.
      const coefs = new Float32Array(4 * NG);
      for (let g = 0; g < NG; g++) {
        coefs[2 * NG + 2 * g] = [0, 1, 0.5][g % 3];
        coefs[2 * NG + 2 * g + 1] = [1, 0, 0][g % 3];
      }
      const sizes: RowsMixSizes = {
        rows,
        C,
        group,
        x_row0: 1,
        src_row0: 2,
        src_stride: c.stride === 'row' ? C : 0,
        coef0: 2 * NG,
      };
      await withBuffers(
        gpu,
        () => ({
          x: gpu.createStorage('x', x),
          src: gpu.createStorage('src', src),
          coefs: gpu.createStorage('coefs', coefs),
        }),
        async (b) => {
          const call = new RowsMixCall(gpu, 'mix', { x: b.x, src: b.src, coefs: b.coefs });
          await runPass(gpu, (pass) => call.encode(pass, sizes));
          call.destroy();
          const want = rowsMixRef(x, src, coefs, sizes);
          const got = await gpu.readF32(b.x);
          // Group 0 takes src where x[1, 1] is NaN: the result must be a number.
          expect(Number.isNaN(got[C + 1])).toBe(false);
          expectClose(got, want, { atol: 1e-6, rtol: 1e-6, label: `rows_mix ${c.name}` });
        },
      );
    });
  }

  for (const [rows, C] of [
    [1, 5],
    [17, 65],
    [100, 130],
  ]) {
    it(`column_mean matches the reference (rows=${rows}, C=${C})`, async () => {
      const { gpu } = t;
      const x = randomF32(rows * C, rows * 31 + C);
      await withBuffers(
        gpu,
        () => ({
          x: gpu.createStorage('x', x),
          out: gpu.createStorage('out', new Float32Array(C + 1).fill(777)),
        }),
        async (b) => {
          const call = new ColumnMeanCall(gpu, 'mean', { x: b.x, out: b.out });
          await runPass(gpu, (pass) => call.encode(pass, { rows, C }));
          call.destroy();
          const got = await gpu.readF32(b.out);
          expectClose(got.subarray(0, C), columnMeanRef(x, rows, C), {
            atol: 1e-6,
            rtol: 1e-5,
            label: 'column_mean',
          });
          expect(got[C]).toBe(777);
        },
      );
    });
  }

  for (const [C, NH, f16, rowPerOutput] of [
    [36, 3, false, false],
    [36, 3, true, false],
    [130, 5, true, false],
    [72, 1, false, false],
    [36, 3, false, true],
    [130, 5, true, true],
  ] as const) {
    const layout = rowPerOutput ? ', held row per output' : '';
    it(`head_proj matches the reference (C=${C}, NH=${NH}, ${f16 ? 'f16' : 'f32'} weights${layout})`, async () => {
      const { gpu } = t;
      const z = randomF32(3 * C, C + NH);
      const raw = randomF32(C * C, C * 5 + NH);
      const W = f16 ? roundToF16(raw) : raw;
      // [in, out] as Conv1D stores it, or transposed to [out, in].
      const held = new Float32Array(C * C);
      for (let i = 0; i < C; i++)
        for (let o = 0; o < C; o++) held[rowPerOutput ? o * C + i : i * C + o] = raw[i * C + o];
      const outRows = NH + 2;
      await withBuffers(
        gpu,
        () => ({
          z: gpu.createStorage('z', z),
          w: gpu.createStorage('w', f16 ? packF16(held) : held),
          out: emptyStorage(gpu, 'out', outRows * C),
        }),
        async (b) => {
          const call = new HeadProjCall(
            gpu,
            'head_proj',
            { z: b.z, weight: b.w, out: b.out },
            { weightsF16: f16, rowPerOutput },
          );
          await runPass(gpu, (pass) => call.encode(pass, { C, NH, z_row: 2, out_row0: 1 }));
          call.destroy();
          const got = await gpu.readF32(b.out, C * 4, NH * C);
          const want = headProjRef(z.subarray(2 * C, 3 * C), W, C, NH);
          expectClose(got, want, { atol: 1e-5, rtol: 1e-5, label: 'head_proj' });
        },
      );
    });
  }

  for (const [C, n, f16] of [
    [36, 5, false],
    [130, 17, true],
    [48, 1, true],
  ] as const) {
    it(`logit_attribution matches the reference (C=${C}, ${n} components, ${f16 ? 'f16' : 'f32'})`, async () => {
      const { gpu } = t;
      const V = 11;
      const token = 7;
      // Rows: n parts, then a row to subtract, then the final x (the parts' sum).
      const rows = new Float32Array((n + 2) * C);
      rows.set(randomF32((n + 1) * C, C * 3 + n, 2));
      for (let k = 0; k < C; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += rows[i * C + k] - (i === 0 ? rows[n * C + k] : 0);
        rows[(n + 1) * C + k] = s;
      }
      const pairs = new Uint32Array(2 * n);
      for (let i = 0; i < n; i++) {
        pairs[2 * i] = i;
        pairs[2 * i + 1] = i === 0 ? n : NO_ROW; // part 0 = row 0 - row n
      }
      const gamma = randomF32(C, 5 + C);
      const beta = randomF32(C, 6 + C);
      const raw = randomF32(V * C, 7 + C);
      const wte = f16 ? roundToF16(raw) : raw;
      await withBuffers(
        gpu,
        () => ({
          rows: gpu.createStorage('rows', rows),
          pairs: gpu.createStorage('pairs', pairs),
          gamma: gpu.createStorage('gamma', gamma),
          beta: gpu.createStorage('beta', beta),
          wte: gpu.createStorage('wte', f16 ? packF16(raw) : raw),
          out: gpu.createStorage('out', new Float32Array(n + 2).fill(999)),
        }),
        async (b) => {
          const call = new LogitAttributionCall(
            gpu,
            'dla',
            {
              rows: b.rows,
              pairs: b.pairs,
              gamma: b.gamma,
              beta: b.beta,
              wte: b.wte,
              out: b.out,
            },
            { weightsF16: f16 },
          );
          await runPass(gpu, (pass) =>
            call.encode(pass, { C, n, token, final_row: n + 1, eps: 1e-5 }),
          );
          call.destroy();
          const got = await gpu.readF32(b.out);
          const comps = Array.from({ length: n }, (_, i) => {
            const c = rows.slice(i * C, (i + 1) * C);
            if (i === 0) for (let k = 0; k < C; k++) c[k] -= rows[n * C + k];
            return c;
          });
          const want = logitAttributionRef(
            comps,
            rows.subarray((n + 1) * C),
            gamma,
            beta,
            wte.subarray(token * C, (token + 1) * C),
            1e-5,
          );
          expectClose(got.subarray(0, n + 1), [...want.dla, want.beta], {
            atol: 1e-4,
            rtol: 1e-4,
            label: 'logit_attribution',
          });
          expect(got[n + 1]).toBe(999);
        },
      );
    });
  }
});

/** The tied LM head: logits[V] = wte[V, C] @ x[C], the largest single read of a decode step. */
import type { GpuContext } from '../../gpu/gpu-context.ts';
import { LogitsCall } from '../../kernels/logits.ts';
import { MatvecV2Call, matvecV2Geometry } from '../../kernels/matvec-v2.ts';
import { benchValues, defineKind } from '../kernel-versions.ts';
import { outputBuffer, weightInput } from './buffers.ts';

export interface LmHeadInputs {
  C: number;
  V: number;
  f16: boolean;
  /** x [C], wte [V, C] (f16-rounded when f16). */
  cpu: { x: Float32Array; wte: Float32Array };
  gpu: { x: GPUBuffer; wte: GPUBuffer };
}

export const lmHeadKind = defineKind<LmHeadInputs>({
  kind: 'lm_head',
  about: 'logits of one position through the tied embedding',
  compare: 'f32',
  cases: (cfg, { f16 }) => {
    const { nEmbd: C, vocabSize: V } = cfg;
    return [
      {
        name: `C=${C} V=${V} ${f16 ? 'f16' : 'f32'}`,
        bytes: C * 4 + V * C * (f16 ? 2 : 4) + V * 4,
        flops: 2 * V * C,
        outputWords: V,
        makeInputs(gpu: GpuContext) {
          const x = benchValues(C, 40, 1);
          const w = weightInput(gpu, 'bench.wte', benchValues(V * C, 41, 0.05), f16);
          const bufs = { x: gpu.createStorage('bench.lm_head.x', x), wte: w.buffer };
          return {
            C,
            V,
            f16,
            cpu: { x, wte: w.cpu },
            gpu: bufs,
            destroy: () => Object.values(bufs).forEach((b) => gpu.destroyBuffer(b)),
          };
        },
      },
    ];
  },
  versions: [
    {
      version: 1,
      about: '8 rows per workgroup, 8 invocations per row, scalar loads',
      setup(gpu, x) {
        const out = outputBuffer(gpu, 'bench.lm_head.v1.out', x.V);
        const call = new LogitsCall(
          gpu,
          'bench.lm_head.v1',
          { input: x.gpu.x, wte: x.gpu.wte, out },
          { weightsF16: x.f16 },
        );
        return {
          output: out,
          encode: (pass) => call.encode(pass, { C: x.C, V: x.V }),
          destroy: () => {
            call.destroy();
            gpu.destroyBuffer(out);
          },
        };
      },
    },
    {
      version: 2,
      about: 'matvec_v2: 16 invocations per row (4 on a CPU adapter), 4 rows each, 16-byte loads',
      setup(gpu, x) {
        const out = outputBuffer(gpu, 'bench.lm_head.v2.out', x.V);
        const call = new MatvecV2Call(
          gpu,
          'bench.lm_head.v2',
          { input: x.gpu.x, weight: x.gpu.wte, out },
          {
            weightsF16: x.f16,
            prologue: { kind: 'none' },
            ...matvecV2Geometry(gpu.capabilities.fallbackAdapter ? 'cpu' : 'gpu', 'head'),
          },
        );
        return {
          output: out,
          encode: (pass) => call.encode(pass, { K: x.C, N: x.V }),
          destroy: () => {
            call.destroy();
            gpu.destroyBuffer(out);
          },
        };
      },
    },
  ],
});

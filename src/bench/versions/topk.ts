/** The sampling candidates: the TOPK_ENTRIES largest logits with their ids, over V logits. */
import type { GpuContext } from '../../gpu/gpu-context.ts';
import { TOPK_OUTPUT_BYTES, TopKCall } from '../../kernels/topk.ts';
import { benchValues, defineKind } from '../kernel-versions.ts';

export interface TopKInputs {
  V: number;
  cpu: { logits: Float32Array };
  gpu: { logits: GPUBuffer };
}

export const topkKind = defineKind<TopKInputs>({
  kind: 'topk',
  about: 'the 64 sampling candidates (+1) out of V logits',
  compare: 'u32',
  cases: (cfg) => {
    const V = cfg.vocabSize;
    return [
      {
        name: `V=${V}`,
        bytes: V * 4 + TOPK_OUTPUT_BYTES,
        flops: 0,
        outputWords: TOPK_OUTPUT_BYTES / 4,
        makeInputs(gpu: GpuContext) {
          const logits = benchValues(V, 60, 8);
          const buffer = gpu.createStorage('bench.topk.logits', logits);
          return {
            V,
            cpu: { logits },
            gpu: { logits: buffer },
            destroy: () => gpu.destroyBuffer(buffer),
          };
        },
      },
    ];
  },
  versions: [
    {
      version: 1,
      about: 'tournament: bitonic sort of 1024-entry chunks keeping 128, rounds until one',
      setup(gpu, x) {
        const out = gpu.createBuffer(
          'bench.topk.v1.out',
          TOPK_OUTPUT_BYTES,
          GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
        );
        const call = new TopKCall(
          gpu,
          'bench.topk.v1',
          { logits: x.gpu.logits, out },
          { maxV: x.V },
        );
        return {
          output: out,
          encode: (pass) => call.encode(pass, { V: x.V }),
          destroy: () => {
            call.destroy();
            gpu.destroyBuffer(out);
          },
        };
      },
    },
  ],
});

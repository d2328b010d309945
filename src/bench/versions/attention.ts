/**
 * Causal attention over a filled KV cache: `attention_decode` (one query at the end of the
 * context) and `attention_prefill` (T queries from position 0). q, k, v are [P, C] as the
 * engine keeps them (qStore, kCache, vCache); out is [T, C].
 */
import type { GpuContext } from '../../gpu/gpu-context.ts';
import { AttentionCall } from '../../kernels/attention.ts';
import { AttentionV2Call } from '../../kernels/attention-v2.ts';
import {
  benchValues,
  defineKind,
  type KernelCase,
  type KernelVersion,
} from '../kernel-versions.ts';
import { outputBuffer } from './buffers.ts';

export interface AttentionInputs {
  T: number;
  pos0: number;
  C: number;
  NH: number;
  /** q, k, v [pos0 + T, C]. */
  cpu: { q: Float32Array; k: Float32Array; v: Float32Array };
  gpu: { q: GPUBuffer; k: GPUBuffer; v: GPUBuffer };
}

function attentionCase(
  name: string,
  T: number,
  pos0: number,
  C: number,
  NH: number,
): KernelCase<AttentionInputs> {
  const P = pos0 + T;
  const keys = T * pos0 + (T * (T + 1)) / 2;
  return {
    name: `${name} T=${T} pos0=${pos0} C=${C} NH=${NH}`,
    bytes: T * C * 4 + 2 * P * C * 4 + T * C * 4,
    flops: 4 * keys * C,
    outputWords: T * C,
    makeInputs(gpu: GpuContext) {
      const cpu = {
        q: benchValues(P * C, 50, 1),
        k: benchValues(P * C, 51, 1),
        v: benchValues(P * C, 52, 1),
      };
      const bufs = {
        q: gpu.createStorage('bench.attn.q', cpu.q),
        k: gpu.createStorage('bench.attn.k', cpu.k),
        v: gpu.createStorage('bench.attn.v', cpu.v),
      };
      return {
        T,
        pos0,
        C,
        NH,
        cpu,
        gpu: bufs,
        destroy: () => Object.values(bufs).forEach((b) => gpu.destroyBuffer(b)),
      };
    },
  };
}

const v1: KernelVersion<AttentionInputs> = {
  version: 1,
  about: 'one workgroup of 64 per (head, query), keys one after another',
  setup(gpu, x) {
    const out = outputBuffer(gpu, 'bench.attention.v1.out', x.T * x.C);
    const call = new AttentionCall(gpu, 'bench.attention.v1', { ...x.gpu, out });
    return {
      output: out,
      encode: (pass) => call.encode(pass, { T: x.T, pos0: x.pos0, C: x.C, NH: x.NH }),
      destroy: () => {
        call.destroy();
        gpu.destroyBuffer(out);
      },
    };
  },
};

const prefillV2: KernelVersion<AttentionInputs> = {
  version: 2,
  about: 'blocks of 16 queries share 16-key K/V tiles in workgroup memory, online softmax',
  setup(gpu, x) {
    const out = outputBuffer(gpu, 'bench.attention.v2.out', x.T * x.C);
    const call = new AttentionV2Call(gpu, 'bench.attention.v2', { ...x.gpu, out }, x.C / x.NH);
    return {
      output: out,
      encode: (pass) => call.encode(pass, { T: x.T, pos0: x.pos0, C: x.C, NH: x.NH }),
      destroy: () => {
        call.destroy();
        gpu.destroyBuffer(out);
      },
    };
  },
};

export const attentionDecodeKind = defineKind<AttentionInputs>({
  kind: 'attention_decode',
  about: 'one query over the cached context',
  compare: 'f32',
  cases: (cfg, { T }) => {
    const P = cfg.nPositions;
    const contexts = [...new Set([Math.min(T, P), P])];
    return contexts.map((n) => attentionCase(`context ${n}`, 1, n - 1, cfg.nEmbd, cfg.nHead));
  },
  versions: [v1],
});

export const attentionPrefillKind = defineKind<AttentionInputs>({
  kind: 'attention_prefill',
  about: 'T queries from position 0, causal',
  compare: 'f32',
  cases: (cfg, { T }) => [
    attentionCase('prefill', Math.min(T, cfg.nPositions), 0, cfg.nEmbd, cfg.nHead),
  ],
  versions: [v1, prefillV2],
});

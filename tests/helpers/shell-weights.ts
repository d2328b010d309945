import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import type { Gpt2Config } from '../../src/model/config.ts';
import { weightBufferBytes } from '../../src/model/load-weights.ts';
import type { Gpt2Weights, WeightLayout, WeightStorage } from '../../src/model/weights.ts';

/**
 * Weight buffers of the sizes a load of `config` makes, never written: enough for a dry run
 * (Gpt2Model.recordForward) of a large model's structure without generating and uploading
 * its weights. Never run kernels on them.
 */
export function shellWeights(
  gpu: GpuContext,
  config: Gpt2Config,
  storage: WeightStorage,
  layout: WeightLayout,
): Gpt2Weights {
  const buffers: GPUBuffer[] = [];
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const wholeWords = layout === 'row-per-output';
  const matrix = (label: string, elements: number) => {
    const b = gpu.createBuffer(label, weightBufferBytes(elements, storage, wholeWords), usage);
    buffers.push(b);
    return b;
  };
  const vector = (label: string, n: number) => {
    const b = gpu.createBuffer(label, n * 4, usage);
    buffers.push(b);
    return b;
  };
  const { nEmbd: C, nInner, vocabSize: V, nPositions: P } = config;
  const norm = (name: string) => ({ gamma: vector(`${name}.g`, C), beta: vector(`${name}.b`, C) });
  const linear = (name: string, K: number, N: number) => ({
    weight: matrix(`${name}.w`, K * N),
    bias: vector(`${name}.b`, N),
  });
  const blocks = Array.from({ length: config.nLayer }, (_, l) => ({
    ln1: norm(`h.${l}.ln_1`),
    attn: linear(`h.${l}.attn.c_attn`, C, 3 * C),
    attnProj: linear(`h.${l}.attn.c_proj`, C, C),
    ln2: norm(`h.${l}.ln_2`),
    fc: linear(`h.${l}.mlp.c_fc`, C, nInner),
    fcProj: linear(`h.${l}.mlp.c_proj`, nInner, C),
  }));
  return {
    config,
    storage,
    layout,
    wte: matrix('wte', V * C),
    wpe: matrix('wpe', P * C),
    lnF: norm('ln_f'),
    blocks,
    gpuBytes: buffers.reduce((n, b) => n + b.size, 0),
    destroy() {
      for (const b of buffers) gpu.destroyBuffer(b);
      buffers.length = 0;
    },
  };
}

import source from '../../shaders/relayout.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const relayoutLayout = new UniformLayout([
  ['rows_in', 'u32'],
  ['cols_in', 'u32'],
] as const);

/**
 * Records out = transpose(src), src [rowsIn, colsIn] row-major in f32 words or packed f16
 * pairs: how the loader turns a Conv1D weight [K, N] into the row-per-output [N, K] the
 * kernels read. A one-off: the call's uniform is freed when the queue is done with it.
 */
export function encodeTranspose(
  gpu: GpuContext,
  encoder: GPUCommandEncoder,
  label: string,
  buffers: { src: GPUBuffer; out: GPUBuffer },
  sizes: { rowsIn: number; colsIn: number; f16: boolean },
): KernelCall<'rows_in' | 'cols_in'> {
  const { rowsIn, colsIn, f16 } = sizes;
  const elements = rowsIn * colsIn;
  const words = f16 ? Math.ceil(elements / 2) : elements;
  for (const [name, b] of Object.entries(buffers)) {
    if (b.size < words * 4) {
      throw new RangeError(
        `${label}: ${name} holds ${b.size} bytes, [${rowsIn}, ${colsIn}] needs ${words * 4}`,
      );
    }
  }
  const call = new KernelCall(
    gpu,
    label,
    gpu.pipeline('relayout', source, { WEIGHTS_F16: f16 }),
    relayoutLayout,
    [buffers.src, buffers.out],
  );
  const pass = encoder.beginComputePass({ label });
  call.encode(pass, { rows_in: rowsIn, cols_in: colsIn }, grid1d(Math.ceil(words / 256)));
  pass.end();
  return call;
}

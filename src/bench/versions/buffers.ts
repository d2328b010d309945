import type { GpuContext } from '../../gpu/gpu-context.ts';
import { packF16, roundToF16 } from '../../model/half.ts';

/** Weights as the engine stores them: f32 words, or packed f16 pairs (values rounded). */
export function weightInput(
  gpu: GpuContext,
  label: string,
  values: Float32Array,
  f16: boolean,
): { cpu: Float32Array; buffer: GPUBuffer } {
  if (!f16) return { cpu: values, buffer: gpu.createStorage(label, values) };
  return { cpu: roundToF16(values), buffer: gpu.createStorage(label, packF16(values)) };
}

/** An f32 output buffer the CPU can read back. */
export function outputBuffer(gpu: GpuContext, label: string, floats: number): GPUBuffer {
  return gpu.createBuffer(
    label,
    floats * 4,
    GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  );
}

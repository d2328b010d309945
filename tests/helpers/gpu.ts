import { afterAll, beforeAll, expect } from 'vitest';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { createNodeGpuContext } from '../../src/gpu/node-gpu.ts';

/**
 * One Dawn device per test file. Any uncaptured WebGPU error fails the file's next
 * check; buffers left alive at the end fail it too. A missing adapter is a failure,
 * never a skip: CI always has SwiftShader.
 */
export function useTestGpu(): { readonly gpu: GpuContext } {
  const holder = {} as { gpu: GpuContext };
  const errors: string[] = [];
  let baseline = 0;
  beforeAll(async () => {
    holder.gpu = await createNodeGpuContext();
    holder.gpu.device.addEventListener('uncapturederror', (e) => {
      errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
    baseline = holder.gpu.liveBuffers.count;
  });
  afterAll(() => {
    const leaked = holder.gpu?.liveBuffers.count ?? 0;
    holder.gpu?.destroy();
    expect(errors, 'uncaptured WebGPU errors').toEqual([]);
    expect(leaked - baseline, 'GPU buffers still alive at the end of the file').toBe(0);
  });
  return holder;
}

/** Runs `record` in one compute pass inside validation and out-of-memory error scopes. */
export async function runPass(
  gpu: GpuContext,
  record: (pass: GPUComputePassEncoder) => void,
): Promise<void> {
  const { device } = gpu;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const encoder = device.createCommandEncoder({ label: 'test' });
  const pass = encoder.beginComputePass({ label: 'test' });
  record(pass);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const oom = await device.popErrorScope();
  const validation = await device.popErrorScope();
  expect(oom?.message, 'out-of-memory error').toBeUndefined();
  expect(validation?.message, 'validation error').toBeUndefined();
}

/** Creates storage buffers for a test and destroys them afterwards, even on failure. */
export async function withBuffers<T>(
  gpu: GpuContext,
  make: () => Record<string, GPUBuffer>,
  body: (b: Record<string, GPUBuffer>) => Promise<T>,
): Promise<T> {
  const buffers = make();
  try {
    return await body(buffers);
  } finally {
    for (const b of Object.values(buffers)) gpu.destroyBuffer(b);
  }
}

export function emptyStorage(gpu: GpuContext, label: string, floats: number): GPUBuffer {
  return gpu.createBuffer(
    label,
    floats * 4,
    GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  );
}

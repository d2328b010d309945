/**
 * WebGPU in Node through Dawn (npm `webgpu`), for tests, the CLI and benchmarks.
 * Without a GPU it runs on SwiftShader, which Debian's chromium package ships.
 */
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import type { GpuContext } from './gpu-context.ts';
import { requestGpuContext, type RequestDeviceOptions } from './request-device.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export async function createNodeGpuContext(
  options: RequestDeviceOptions = {},
): Promise<GpuContext> {
  // The Vulkan loader reads this when Dawn starts; honour a caller's choice (a real GPU).
  if (
    !process.env.VK_ICD_FILENAMES &&
    !process.env.GPT2_USE_SYSTEM_VULKAN &&
    existsSync(SWIFTSHADER_ICD)
  ) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const context = await requestGpuContext(gpu, options);
  // Dawn's instance lives only while this object is referenced: dropping it lets the garbage
  // collector free the instance under a live device and the next event poll crashes.
  keepInstance.set(context, gpu);
  return context;
}

const keepInstance = new WeakMap<GpuContext, GPU>();

import { GpuContext } from './gpu-context.ts';
import { WebGpuUnavailableError } from './errors.ts';

export interface RequestDeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for `shader-f16` when the adapter has it (default true). */
  allowShaderF16?: boolean;
  /** Ask for `subgroups` when the adapter has it (default true; false forces the fallbacks). */
  allowSubgroups?: boolean;
}

/**
 * Opens a device on `gpu` (navigator.gpu in a browser, Dawn's GPU in Node) with the
 * adapter's largest buffer limits: GPT-2 small's token embedding alone is 154 MB in f32,
 * above the 128 MiB default binding size.
 */
export async function requestGpuContext(
  gpu: GPU | undefined,
  options: RequestDeviceOptions = {},
): Promise<GpuContext> {
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'WebGPU is not available here: navigator.gpu is missing. Use a recent Chrome, Edge or ' +
        'Safari, or Firefox with WebGPU enabled, on a secure origin (https:// or localhost).',
    );
  }
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'The browser has WebGPU but refused to give a GPU adapter (it may be blocklisted or ' +
        'disabled). Check chrome://gpu, update the GPU driver, or enable WebGPU in the flags.',
    );
  }
  const features: GPUFeatureName[] = [];
  const timestampQuery = adapter.features.has('timestamp-query');
  if (timestampQuery) features.push('timestamp-query');
  const shaderF16 = (options.allowShaderF16 ?? true) && adapter.features.has('shader-f16');
  if (shaderF16) features.push('shader-f16');
  // Reductions assume subgroups of 4..64 that tile a 64-invocation row: every real GPU's
  // (NVIDIA 32, AMD 32/64, Apple 32, Intel 8-32; SwiftShader 4).
  const info = adapter.info;
  const subgroups =
    (options.allowSubgroups ?? true) &&
    adapter.features.has('subgroups') &&
    (info?.subgroupMinSize ?? 0) >= 4 &&
    (info?.subgroupMaxSize ?? 128) <= 64;
  if (subgroups) features.push('subgroups');
  const l = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: 'gpt2',
      requiredFeatures: features,
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (e) {
    throw new WebGpuUnavailableError(
      `The GPU adapter refused to create a device: ${(e as Error).message}. ` +
        'Close other GPU-heavy tabs or try another browser.',
    );
  }
  const adapterName =
    [info?.vendor, info?.architecture, info?.device, info?.description]
      .filter((s) => s)
      .join(' ') || 'unknown adapter';
  return new GpuContext(device, {
    adapterName,
    fallbackAdapter: info?.isFallbackAdapter === true || info?.architecture === 'swiftshader',
    timestampQuery,
    shaderF16,
    subgroups,
    subgroupMaxSize: subgroups ? (info?.subgroupMaxSize ?? 0) : 0,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
  });
}

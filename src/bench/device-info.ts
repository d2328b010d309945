import type { GpuContext } from '../gpu/gpu-context.ts';

/** The device the benchmark ran on: what a reader needs to compare two reports. */
export interface DeviceInfo {
  adapter: string;
  /** Features the device was opened with. */
  features: string[];
  /** The device's limits that shape kernels. */
  limits: Record<string, number>;
}

const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'minStorageBufferOffsetAlignment',
] as const;

export function deviceInfo(gpu: GpuContext): DeviceInfo {
  const limits: Record<string, number> = {};
  for (const name of LIMITS) {
    const v = (gpu.device.limits as unknown as Record<string, unknown>)[name];
    if (typeof v === 'number') limits[name] = v;
  }
  return {
    adapter: gpu.capabilities.adapterName,
    features: [...gpu.device.features].map(String).sort(),
    limits,
  };
}

/**
 * WebGPU in Node through Dawn (npm `webgpu`), for tests, the CLI and benchmarks.
 * Without a GPU it runs on SwiftShader, which Debian's chromium package ships.
 */
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';
import { WebGpuUnavailableError } from './errors.ts';
import type { GpuContext } from './gpu-context.ts';
import { requestGpuContext, type RequestDeviceOptions } from './request-device.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';

/** The one line that says what a machine without a GPU needs (Debian/Ubuntu package names). */
export const NODE_GPU_REQUIREMENTS =
  "WebGPU in Node needs a Vulkan driver: without a GPU, install Debian's chromium (for " +
  'SwiftShader) and libvulkan1: sudo apt-get install chromium libvulkan1';

/** What is missing for WebGPU on SwiftShader here, or null when the files are in place. */
export function missingNodeGpuPackages(): string[] | null {
  if (process.env.VK_ICD_FILENAMES || process.env.GPT2_USE_SYSTEM_VULKAN) return null;
  const missing = [];
  if (!existsSync(SWIFTSHADER_ICD)) missing.push('chromium');
  if (process.platform === 'linux' && !existsSync(VULKAN_LOADER)) missing.push('libvulkan1');
  return missing.length ? missing : null;
}

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
  usePrivateRuntimeDir();
  Object.assign(globalThis, globals);
  const gpu = create([]);
  let context: GpuContext;
  try {
    context = await requestGpuContext(gpu, options);
  } catch (e) {
    const missing = missingNodeGpuPackages();
    if (e instanceof WebGpuUnavailableError && missing) {
      throw new WebGpuUnavailableError(
        `${NODE_GPU_REQUIREMENTS} (missing: ${missing.join(', ')}).`,
      );
    }
    throw e;
  }
  // Dawn's instance lives only while this object is referenced: dropping it lets the garbage
  // collector free the instance under a live device and the next event poll crashes.
  keepInstance.set(context, gpu);
  return context;
}

const keepInstance = new WeakMap<GpuContext, GPU>();

/**
 * Without a valid XDG_RUNTIME_DIR the Vulkan loader prints "error: XDG_RUNTIME_DIR is
 * invalid or not set" on every start, which reads like one of our errors. Our process gets
 * a private one (a directory of its own, mode 0700) unless a usable one is set.
 */
export function usePrivateRuntimeDir(): void {
  if (process.platform === 'win32' || usableRuntimeDir(process.env.XDG_RUNTIME_DIR)) return;
  const uid = process.getuid?.() ?? 0;
  const fixed = join(tmpdir(), `gpt2-webgpu-runtime-${uid}`);
  try {
    mkdirSync(fixed, { mode: 0o700, recursive: true });
    process.env.XDG_RUNTIME_DIR = usableRuntimeDir(fixed)
      ? fixed
      : mkdtempSync(join(tmpdir(), 'gpt2-webgpu-runtime-'));
  } catch {
    // Only a cosmetic warning is at stake: run without it.
  }
}

function usableRuntimeDir(dir: string | undefined): boolean {
  if (!dir) return false;
  try {
    const s = statSync(dir);
    return s.isDirectory() && s.uid === (process.getuid?.() ?? s.uid) && (s.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/**
 * This device's roofline: its streaming-read and copy bandwidth over buffers much larger
 * than any cache, and its FMA throughput, each measured by a kernel of its own
 * (shaders/peak_*.wgsl). A kernel's % of the roofline is measured against these.
 */
import type { GpuContext } from '../gpu/gpu-context.ts';
import { PeakCopyCall } from '../kernels/peak-copy.ts';
import { PEAK_FMA_FLOPS_PER_ITER, PeakFmaCall } from '../kernels/peak-fma.ts';
import { PEAK_WG, PeakReadCall } from '../kernels/peak-read.ts';
import { timeGpu, type TimingMethod } from './timing.ts';

export interface DevicePeak {
  /** Bytes streamed by the read kernel (the copy moves as many: half read, half written). */
  bufferBytes: number;
  readGBs: number;
  /** Bytes read plus bytes written per second. */
  copyGBs: number;
  /** The bandwidth ceiling used for the roofline: the better of read and copy. */
  bandwidthGBs: number;
  gflops: number;
  fma: { invocations: number; iters: number };
  method: TimingMethod;
}

export interface PeakOptions {
  /** Buffer to stream (default 256 MiB, capped by the device's limits). */
  bytes?: number;
  /** Workgroups of the FMA kernel (default 1024). */
  fmaGroups?: number;
  /** Keep lengthening the FMA loop until one run takes this long (default 20 ms). */
  fmaTargetMs?: number;
  runs?: number;
  method?: TimingMethod;
}

const MIB = 1 << 20;

export async function measurePeak(gpu: GpuContext, options: PeakOptions = {}): Promise<DevicePeak> {
  const caps = gpu.capabilities;
  const limit = Math.min(caps.maxStorageBufferBindingSize, caps.maxBufferSize);
  const bytes = Math.floor(Math.min(options.bytes ?? 256 * MIB, limit) / 32) * 32;
  if (bytes < 32) throw new RangeError(`peak: ${bytes} bytes is too small to stream`);
  const runs = options.runs ?? 3;
  const method = options.method;
  const usage = GPUBufferUsage.STORAGE;
  const owned: GPUBuffer[] = [];
  const buf = (label: string, size: number) => {
    const b = gpu.createBuffer(label, size, usage);
    owned.push(b);
    return b;
  };
  // Enough invocations to keep a big GPU's memory busy, each ~16 loads deep.
  const groupsFor = (n: number) => Math.max(1, Math.min(65535, Math.ceil(n / (PEAK_WG * 16))));
  try {
    const n = bytes / 16;
    const data = buf('peak.data', bytes);
    const readGroups = groupsFor(n);
    const read = new PeakReadCall(
      gpu,
      'peak.read',
      { data, out: buf('peak.sums', readGroups * PEAK_WG * 4) },
      readGroups,
    );
    const readT = await timeGpu(gpu, 'peak.read', (p) => read.encode(p, n), { runs, method });
    read.destroy();

    const half = n / 2;
    const copy = new PeakCopyCall(
      gpu,
      'peak.copy',
      { src: buf('peak.src', half * 16), dst: buf('peak.dst', half * 16) },
      groupsFor(half),
    );
    const copyT = await timeGpu(gpu, 'peak.copy', (p) => copy.encode(p, half), { runs, method });
    copy.destroy();

    const fmaGroups = options.fmaGroups ?? 1024;
    const fma = new PeakFmaCall(
      gpu,
      'peak.fma',
      { out: buf('peak.fma_out', fmaGroups * PEAK_WG * 16) },
      fmaGroups,
    );
    const target = options.fmaTargetMs ?? 20;
    let iters = 64;
    let fmaT = await timeGpu(gpu, 'peak.fma', (p) => fma.encode(p, { iters, m: 0.9, c: 0.01 }), {
      runs,
      method,
    });
    while (fmaT.minMs < target && iters < 1 << 20) {
      iters *= 4;
      fmaT = await timeGpu(gpu, 'peak.fma', (p) => fma.encode(p, { iters, m: 0.9, c: 0.01 }), {
        runs,
        method,
      });
    }
    fma.destroy();

    const readGBs = bytes / (readT.minMs * 1e6);
    const copyGBs = bytes / (copyT.minMs * 1e6);
    const flops = fma.invocations * iters * PEAK_FMA_FLOPS_PER_ITER;
    return {
      bufferBytes: bytes,
      readGBs,
      copyGBs,
      bandwidthGBs: Math.max(readGBs, copyGBs),
      gflops: flops / (fmaT.minMs * 1e6),
      fma: { invocations: fma.invocations, iters },
      method: readT.method,
    };
  } finally {
    for (const b of owned) gpu.destroyBuffer(b);
  }
}

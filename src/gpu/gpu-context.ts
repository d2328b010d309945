import { DeviceLostError } from './errors.ts';
import { workgroupSize, type WorkgroupSize } from './workgroup-size.ts';

/** What the adapter offered that the engine may use. */
export interface GpuCapabilities {
  adapterName: string;
  /**
   * The adapter is a software (CPU) implementation such as SwiftShader: kernels shaped to
   * fill a big GPU (many small workgroups) only add work there.
   */
  fallbackAdapter: boolean;
  timestampQuery: boolean;
  shaderF16: boolean;
  /**
   * `subgroups` was enabled: the adapter has it with subgroups of at most 64 invocations
   * (the kernels' reductions assume a subgroup never spans two 64-invocation rows).
   */
  subgroups: boolean;
  /** The adapter's largest subgroup size when `subgroups` is enabled, else 0. */
  subgroupMaxSize: number;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** How a pipeline was made: what a dispatch recorder reports about it. */
export interface PipelineInfo {
  label: string;
  /** Override constants, booleans as 0/1. */
  constants: Readonly<Record<string, number>>;
  /** Its @workgroup_size, read from the WGSL on first use. */
  readonly workgroupSize: WorkgroupSize;
}

/**
 * A device plus the bookkeeping every layer above needs: labelled buffers counted while
 * alive, pipelines compiled once per (shader, constants), and one place where a lost
 * device is turned into an error. Knows nothing of GPT-2.
 */
export class GpuContext {
  private readonly live = new Map<GPUBuffer, number>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly infos = new WeakMap<GPUComputePipeline, PipelineInfo>();
  private lostError: DeviceLostError | null = null;
  private readonly lostListeners = new Set<(e: DeviceLostError) => void>();

  constructor(
    readonly device: GPUDevice,
    readonly capabilities: GpuCapabilities,
  ) {
    void device.lost.then((info) => {
      if (info.reason === 'destroyed' && this.destroyed) return;
      this.lostError = new DeviceLostError(info.reason, info.message);
      for (const f of this.lostListeners) f(this.lostError);
    });
  }

  private destroyed = false;

  /** Throws the device-lost error if the device is gone. Call before queuing work. */
  assertAlive(): void {
    if (this.lostError) throw this.lostError;
    if (this.destroyed) throw new DeviceLostError('destroyed', 'this GPU context was closed');
  }

  onLost(listener: (e: DeviceLostError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  createBuffer(label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    this.assertAlive();
    const padded = Math.max(4, Math.ceil(size / 4) * 4);
    const buffer = this.device.createBuffer({ label, size: padded, usage });
    this.live.set(buffer, padded);
    return buffer;
  }

  /** A storage buffer filled with `data` (padded to 4 bytes). */
  createStorage(
    label: string,
    data: ArrayBufferView,
    extraUsage: GPUBufferUsageFlags = 0,
  ): GPUBuffer {
    const buffer = this.createBuffer(
      label,
      data.byteLength,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage,
    );
    this.write(buffer, data);
    return buffer;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    const bytes = new Uint8Array(
      data.buffer as ArrayBuffer,
      data.byteOffset,
      data.byteLength,
    ) as Uint8Array<ArrayBuffer>;
    if (bytes.byteLength % 4 === 0) {
      this.device.queue.writeBuffer(buffer, offset, bytes);
    } else {
      const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
      padded.set(bytes);
      this.device.queue.writeBuffer(buffer, offset, padded);
    }
  }

  destroyBuffer(buffer: GPUBuffer): void {
    if (this.live.delete(buffer)) buffer.destroy();
  }

  /** Live buffers created through this context, for leak tests and the memory readout. */
  get liveBuffers(): { count: number; bytes: number } {
    let bytes = 0;
    for (const b of this.live.values()) bytes += b;
    return { count: this.live.size, bytes };
  }

  shaderModule(label: string, code: string): GPUShaderModule {
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ label, code });
      this.modules.set(code, module);
    }
    return module;
  }

  /** A compute pipeline with entry point `main`, compiled once per (code, constants). */
  pipeline(
    label: string,
    code: string,
    constants: Record<string, number | boolean> = {},
  ): GPUComputePipeline {
    const keyConstants = Object.keys(constants)
      .sort()
      .map((k) => `${k}=${Number(constants[k])}`)
      .join(',');
    const key = `${label}|${keyConstants}|${code.length}|${hash(code)}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const numeric: Record<string, number> = {};
      for (const [k, v] of Object.entries(constants)) numeric[k] = Number(v);
      pipeline = this.device.createComputePipeline({
        label,
        layout: 'auto',
        compute: { module: this.shaderModule(label, code), entryPoint: 'main', constants: numeric },
      });
      this.pipelines.set(key, pipeline);
      let size: WorkgroupSize | undefined;
      this.infos.set(pipeline, {
        label,
        constants: numeric,
        get workgroupSize() {
          try {
            return (size ??= workgroupSize(code, numeric));
          } catch (e) {
            throw new Error(`pipeline ${label}: ${(e as Error).message}`, { cause: e });
          }
        },
      });
    }
    return pipeline;
  }

  /** How `pipeline` was made, if this context made it. */
  pipelineInfo(pipeline: GPUComputePipeline): PipelineInfo | undefined {
    return this.infos.get(pipeline);
  }

  /** Copies `size` bytes of `buffer` from `offset` to the CPU. For tests and explicit readbacks. */
  async read(buffer: GPUBuffer, offset = 0, size = buffer.size - offset): Promise<ArrayBuffer> {
    this.assertAlive();
    const staging = this.device.createBuffer({
      label: `${buffer.label}.readback`,
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder({ label: `${buffer.label}.readback` });
      encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      return staging.getMappedRange().slice(0);
    } finally {
      staging.destroy();
    }
  }

  async readF32(buffer: GPUBuffer, offset = 0, count?: number): Promise<Float32Array> {
    const size = count === undefined ? buffer.size - offset : count * 4;
    return new Float32Array(await this.read(buffer, offset, size));
  }

  destroy(): void {
    for (const b of this.live.keys()) b.destroy();
    this.live.clear();
    this.destroyed = true;
    this.device.destroy();
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

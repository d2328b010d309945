import type { GpuContext } from './gpu-context.ts';

/**
 * GPU time of compute passes through timestamp queries (adapters with `timestamp-query`):
 * pass i writes timestamps 2i and 2i+1; after the submit, `read` sums durations by name.
 */
export class PassTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private readonly readBuf: GPUBuffer;

  constructor(
    private readonly gpu: GpuContext,
    readonly capacity: number,
  ) {
    this.querySet = gpu.device.createQuerySet({
      label: 'pass-timer',
      type: 'timestamp',
      count: capacity * 2,
    });
    this.resolveBuf = gpu.createBuffer(
      'pass-timer.resolve',
      capacity * 16,
      GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    );
    this.readBuf = gpu.createBuffer(
      'pass-timer.read',
      capacity * 16,
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    );
  }

  /** Bytes one `read` brings back to the CPU. */
  get bytes(): number {
    return this.capacity * 16;
  }

  writes(pass: number): GPUComputePassTimestampWrites {
    if (pass >= this.capacity)
      throw new RangeError(`pass ${pass} beyond the timer's ${this.capacity}`);
    return {
      querySet: this.querySet,
      beginningOfPassWriteIndex: pass * 2,
      endOfPassWriteIndex: pass * 2 + 1,
    };
  }

  resolve(encoder: GPUCommandEncoder, passes: number): void {
    encoder.resolveQuerySet(this.querySet, 0, passes * 2, this.resolveBuf, 0);
    encoder.copyBufferToBuffer(this.resolveBuf, 0, this.readBuf, 0, passes * 16);
  }

  /** Milliseconds per name, summed over the passes named `names[i]` (call after submit). */
  async read(names: readonly string[]): Promise<Record<string, number>> {
    await this.readBuf.mapAsync(GPUMapMode.READ, 0, names.length * 16);
    const stamps = new BigInt64Array(this.readBuf.getMappedRange(0, names.length * 16).slice(0));
    this.readBuf.unmap();
    const out: Record<string, number> = {};
    names.forEach((name, i) => {
      const ns = Number(stamps[2 * i + 1] - stamps[2 * i]);
      // Some drivers report 0 or wrap for passes they could not time: count those as 0.
      out[name] = (out[name] ?? 0) + (ns > 0 ? ns / 1e6 : 0);
    });
    return out;
  }

  destroy(): void {
    this.querySet.destroy();
    this.gpu.destroyBuffer(this.resolveBuf);
    this.gpu.destroyBuffer(this.readBuf);
  }
}

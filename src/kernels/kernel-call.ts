import { recorderOf } from '../gpu/dispatch-recorder.ts';
import type { GpuContext } from '../gpu/gpu-context.ts';
import type { UniformLayout } from '../gpu/uniform-layout.ts';

/** Workgroup counts of one dispatch. */
export type WorkgroupCount = readonly [number, number?, number?];

/**
 * One place in a command stream where a kernel runs on fixed buffers: its own uniform
 * buffer and a bind group made once. Binding 0 is always the kernel's `Params` uniform;
 * storage buffers follow at 1, 2, ... in the order the .wgsl file declares them.
 * The uniform is rewritten only when the parameters change, so a decode step that
 * repeats the same sizes queues no writes for it.
 */
export class KernelCall<Name extends string> {
  private readonly uniform: GPUBuffer;
  private readonly bindGroup: GPUBindGroup;
  private lastParams: string | null = null;

  constructor(
    private readonly gpu: GpuContext,
    readonly label: string,
    private readonly pipeline: GPUComputePipeline,
    private readonly layout: UniformLayout<Name>,
    buffers: readonly GPUBuffer[],
  ) {
    this.uniform = gpu.createBuffer(
      `${label}.params`,
      layout.byteSize,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.bindGroup = gpu.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.uniform } },
        ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
  }

  /**
   * Sets the parameters (queued before the next submit) and records the dispatch; a
   * DispatchRecorder attached to `pass` is told what was dispatched (a dry-run one instead
   * of dispatching).
   */
  encode(pass: GPUComputePassEncoder, params: Record<Name, number>, count: WorkgroupCount): void {
    const [x, y = 1, z = 1] = count;
    const recorder = recorderOf(pass);
    if (recorder && x !== 0 && y !== 0 && z !== 0) {
      const info = this.gpu.pipelineInfo(this.pipeline);
      if (!info) throw new Error(`${this.label}: its pipeline was not made by this GpuContext`);
      const size = info.workgroupSize;
      const perGroup = size[0] * size[1] * size[2];
      recorder.record(
        {
          kernel: info.label,
          label: this.label,
          workgroups: [x, y, z],
          workgroupSize: size,
          invocationsPerWorkgroup: perGroup,
          invocations: x * y * z * perGroup,
          params: Object.fromEntries(this.layout.fields.map(([n]) => [n, params[n]])),
          constants: { ...info.constants },
        },
        (p) => {
          p.setPipeline(this.pipeline);
          p.setBindGroup(0, this.bindGroup);
          p.dispatchWorkgroups(x, y, z);
        },
      );
    }
    if (recorder?.dryRun) return;
    const key = this.layout.fields.map(([n]) => params[n]).join(',');
    if (key !== this.lastParams) {
      this.gpu.write(this.uniform, new Uint8Array(this.layout.pack(params)));
      this.lastParams = key;
    }
    if (x === 0 || y === 0 || z === 0) return;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(x, y, z);
  }

  destroy(): void {
    this.gpu.destroyBuffer(this.uniform);
  }
}

/** Splits a 1-D workgroup count over x and y so each stays within the per-dimension limit. */
export function grid1d(workgroups: number, maxPerDim = 65535): [number, number] {
  if (workgroups <= maxPerDim) return [workgroups, 1];
  const y = Math.ceil(workgroups / maxPerDim);
  return [Math.ceil(workgroups / y), y];
}

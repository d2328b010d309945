/**
 * What every dispatch of a command stream was, recorded where it is encoded (KernelCall)
 * so the structure of a step (dispatches, workgroups, invocations, and from the sizes the
 * bytes each kernel must move) can be read, tested and reported without timing anything.
 *
 * A recorder is attached to a compute pass; KernelCall.encode looks it up and records. A
 * `dryRun` recorder is attached to a stand-in pass (`dryRunPass`): calls record and return
 * without writing uniforms or dispatching, so a step's structure costs no GPU work.
 */
import type { WorkgroupSize } from './workgroup-size.ts';

export interface DispatchRecord {
  /** The pipeline's label: which kernel ran (`matvec`, `attention`, ...). */
  kernel: string;
  /** The call site (`h.3.attn.c_attn.matvec`). */
  label: string;
  /** What the encoder named this part of the step (the model's op kind), when it said. */
  op?: string;
  workgroups: [number, number, number];
  workgroupSize: WorkgroupSize;
  invocationsPerWorkgroup: number;
  invocations: number;
  /** The uniform `Params` of the dispatch. */
  params: Record<string, number>;
  /** The pipeline's override constants (booleans as 0/1). */
  constants: Record<string, number>;
}

export class DispatchRecorder {
  readonly records: DispatchRecord[] = [];
  /** Replays dispatch i alone (same pipeline, bind group, counts) into another pass. */
  readonly replays: Array<(pass: GPUComputePassEncoder) => void> = [];
  /** Set by the encoder before each part of a step; copied into the records that follow. */
  op: string | undefined;

  constructor(readonly dryRun = false) {}

  record(r: Omit<DispatchRecord, 'op'>, replay: (pass: GPUComputePassEncoder) => void): void {
    this.records.push(this.op === undefined ? r : { ...r, op: this.op });
    this.replays.push(replay);
  }
}

const attached = new WeakMap<object, DispatchRecorder>();

/** Makes KernelCall.encode(pass, ...) record into `recorder`. Returns `pass`. */
export function attachRecorder<P extends GPUComputePassEncoder>(
  pass: P,
  recorder: DispatchRecorder,
): P {
  attached.set(pass, recorder);
  return pass;
}

export function recorderOf(pass: GPUComputePassEncoder): DispatchRecorder | undefined {
  return attached.get(pass);
}

/**
 * A compute pass that only records: every KernelCall encoded into it returns after
 * recording. Anything else used on it (a kernel that dispatches without KernelCall) throws,
 * so a dry run cannot silently miss a dispatch.
 */
export function dryRunPass(recorder: DispatchRecorder): GPUComputePassEncoder {
  if (!recorder.dryRun) throw new Error('dryRunPass needs a DispatchRecorder(true)');
  const pass = new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === 'label') return 'dry run';
        throw new Error(
          `dry-run pass: ${String(prop)} was used outside KernelCall, so the recorded ` +
            'structure would miss it; encode through KernelCall',
        );
      },
    },
  ) as GPUComputePassEncoder;
  return attachRecorder(pass, recorder);
}

/**
 * The structure of a forward step as the bench reports it: one row per dispatch (what
 * ran, how wide, what it must move) and totals. Made from DispatchRecords, so it is the
 * structure the model really encodes, and needs no timing.
 */
import type { DispatchRecord } from '../gpu/dispatch-recorder.ts';
import { dispatchCost } from './kernel-costs.ts';

export interface DispatchRow {
  kernel: string;
  /** The model's name for this part of the step (matvec, attention, ...). */
  op: string;
  label: string;
  workgroups: [number, number, number];
  invocationsPerWorkgroup: number;
  invocations: number;
  bytesRead: number;
  bytesWritten: number;
  flops: number;
  /** Bytes one invocation asks for per global load. */
  loadBytes: number;
  /** Reads model weights (its pipeline has the WEIGHTS_F16 choice, as every weight reader). */
  readsWeights: boolean;
}

export interface StepStructure {
  dispatches: number;
  bytesRead: number;
  bytesWritten: number;
  flops: number;
  /** The dispatches that read weights: how many, and the fewest invocations of one. */
  weightReaders: { dispatches: number; minInvocations: number };
  rows: DispatchRow[];
}

export function stepStructure(records: readonly DispatchRecord[]): StepStructure {
  const rows = records.map((r): DispatchRow => {
    const cost = dispatchCost(r);
    return {
      kernel: r.kernel,
      op: r.op ?? r.kernel,
      label: r.label,
      workgroups: [...r.workgroups],
      invocationsPerWorkgroup: r.invocationsPerWorkgroup,
      invocations: r.invocations,
      ...cost,
      readsWeights: 'WEIGHTS_F16' in r.constants,
    };
  });
  const sum = (f: (r: DispatchRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const readers = rows.filter((r) => r.readsWeights);
  return {
    dispatches: rows.length,
    bytesRead: sum((r) => r.bytesRead),
    bytesWritten: sum((r) => r.bytesWritten),
    flops: sum((r) => r.flops),
    weightReaders: {
      dispatches: readers.length,
      minInvocations: readers.length ? Math.min(...readers.map((r) => r.invocations)) : 0,
    },
    rows,
  };
}

/** Rows grouped by op kind, in order of first appearance: the per-kernel table. */
export function byOp(rows: readonly DispatchRow[]): Map<string, DispatchRow[]> {
  const out = new Map<string, DispatchRow[]>();
  for (const r of rows) {
    const list = out.get(r.op);
    if (list) list.push(r);
    else out.set(r.op, [r]);
  }
  return out;
}

/**
 * Runs every version of every kernel kind on the same inputs, in one run: time, GB/s,
 * GFLOP/s, the ratio to v1, the largest difference from v1's output, and the structure
 * each version dispatches (recorded by a dry run through KernelCall).
 */
import { DispatchRecorder, dryRunPass } from '../gpu/dispatch-recorder.ts';
import type { GpuContext } from '../gpu/gpu-context.ts';
import type { Gpt2Config } from '../model/config.ts';
import type { CaseOptions, KernelKind } from './kernel-versions.ts';
import { timeGpu, type TimingMethod } from './timing.ts';

export interface VersionResult {
  kind: string;
  case: string;
  version: number;
  about: string;
  /** Pipelines the version dispatched, in order. */
  kernels: string[];
  dispatches: number;
  /** Invocations of its widest dispatch. */
  maxInvocations: number;
  ms: number;
  gbs: number;
  gflops: number;
  /** This version's time over v1's (below 1: faster). */
  ratioToV1: number;
  /** Largest |output - v1 output| (f32 kinds) or count of differing words (u32 kinds). */
  diffFromV1: number;
}

export interface VersionRunOptions extends CaseOptions {
  /** Only kinds whose name starts with this. */
  only?: string;
  runs?: number;
  method?: TimingMethod;
  onStatus?: (message: string) => void;
}

export async function runKernelVersions(
  gpu: GpuContext,
  kinds: readonly KernelKind[],
  cfg: Gpt2Config,
  options: VersionRunOptions,
): Promise<VersionResult[]> {
  const results: VersionResult[] = [];
  for (const kind of kinds) {
    if (options.only && !kind.kind.startsWith(options.only)) continue;
    for (const c of kind.cases(cfg, options)) {
      const inputs = c.makeInputs(gpu);
      try {
        let v1: { ms: number; output: Uint32Array } | null = null;
        const versions = [...kind.versions].sort((a, b) => a.version - b.version);
        for (const v of versions) {
          options.onStatus?.(`${kind.kind} ${c.name} v${v.version}`);
          const run = v.setup(gpu, inputs);
          try {
            const recorder = new DispatchRecorder(true);
            run.encode(dryRunPass(recorder));
            const t = await timeGpu(gpu, `${kind.kind}.v${v.version}`, run.encode, {
              runs: options.runs ?? 3,
              method: options.method,
            });
            const output = new Uint32Array(await gpu.read(run.output, 0, c.outputWords * 4));
            if (!v1) v1 = { ms: t.ms, output };
            results.push({
              kind: kind.kind,
              case: c.name,
              version: v.version,
              about: v.about,
              kernels: recorder.records.map((r) => r.kernel),
              dispatches: recorder.records.length,
              maxInvocations: Math.max(0, ...recorder.records.map((r) => r.invocations)),
              ms: t.ms,
              gbs: c.bytes / (t.ms * 1e6),
              gflops: c.flops / (t.ms * 1e6),
              ratioToV1: t.ms / v1.ms,
              diffFromV1: difference(kind.compare, output, v1.output),
            });
          } finally {
            run.destroy();
          }
        }
      } finally {
        inputs.destroy();
      }
    }
  }
  return results;
}

function difference(mode: 'f32' | 'u32', a: Uint32Array, b: Uint32Array): number {
  if (mode === 'u32') {
    let n = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
    return n;
  }
  const fa = new Float32Array(a.buffer, a.byteOffset, a.length);
  const fb = new Float32Array(b.buffer, b.byteOffset, b.length);
  let max = 0;
  for (let i = 0; i < fa.length; i++) {
    const d = Math.abs(fa[i] - fb[i]);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}

/** One line per version, as llm.c's dev kernels print them. */
export function formatVersionResults(rows: readonly VersionResult[]): string {
  return rows
    .map(
      (r) =>
        `${`${r.kind} ${r.case}`.padEnd(54)} v${r.version}  ${r.ms.toFixed(3).padStart(9)} ms ` +
        `${r.gbs.toFixed(2).padStart(8)} GB/s ${r.gflops.toFixed(2).padStart(8)} GFLOP/s ` +
        `${r.ratioToV1.toFixed(2).padStart(6)}x v1  ${r.dispatches} disp, ` +
        `<= ${r.maxInvocations} inv  diff ${r.diffFromV1.toExponential(1)}`,
    )
    .join('\n');
}

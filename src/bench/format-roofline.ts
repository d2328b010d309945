/** Text tables of the roofline figures, one line per kernel kind (as llm.c's benchmarks print). */
import type { PaperEstimate } from './paper-estimate.ts';
import type { DevicePeak } from './peak.ts';
import type { KernelRoofline, StepRoofline } from './roofline.ts';

const ms = (x: number) => `${x.toPrecision(3)} ms`;
const MB = (b: number) => `${(b / 1e6).toFixed(2)} MB`;

export function formatPeak(p: DevicePeak): string {
  return (
    `peak      read ${p.readGBs.toFixed(1)} GB/s, copy ${p.copyGBs.toFixed(1)} GB/s ` +
    `(${MB(p.bufferBytes)} streamed), FMA ${p.gflops.toFixed(1)} GFLOP/s; timed by ${p.method}`
  );
}

export function formatKernelTable(title: string, rows: readonly KernelRoofline[]): string {
  const head =
    `${title.padEnd(12)} ${'disp'.padStart(4)} ${'invocations'.padStart(15)} ` +
    `${'MB'.padStart(9)} ${'MFLOP'.padStart(9)} ${'ms'.padStart(9)} ${'GB/s'.padStart(8)} ` +
    `${'GFLOP/s'.padStart(8)} ${'roof ms'.padStart(9)} ${'%roof'.padStart(6)}`;
  const lines = rows.map((k) => {
    const inv =
      k.minInvocations === k.maxInvocations
        ? String(k.minInvocations)
        : `${k.minInvocations}-${k.maxInvocations}`;
    return (
      `${k.op.padEnd(12)} ${String(k.dispatches).padStart(4)} ${inv.padStart(15)} ` +
      `${((k.bytesRead + k.bytesWritten) / 1e6).toFixed(2).padStart(9)} ` +
      `${(k.flops / 1e6).toFixed(1).padStart(9)} ${k.ms.toFixed(3).padStart(9)} ` +
      `${rate(k.achievedGBs, 2).padStart(8)} ${rate(k.achievedGflops, 2).padStart(8)} ` +
      `${k.rooflineMs.toFixed(3).padStart(9)} ${rate(k.percent, 1).padStart(6)}`
    );
  });
  return [head, ...lines].join('\n');
}

export function formatStepRoofline(name: string, s: StepRoofline): string {
  return (
    `${name.padEnd(9)} ${s.ms.toFixed(2)} ms measured, ${s.rooflineMs.toFixed(3)} ms at the roofline ` +
    `(${MB(s.bytes)}, ${(s.flops / 1e6).toFixed(1)} MFLOP): ${s.percent.toFixed(1)}% of roofline`
  );
}

export function formatEstimates(name: string, estimates: readonly PaperEstimate[]): string[] {
  return estimates.map(
    (e) =>
      `  ${name.padEnd(14)} ${e.gpu.padEnd(22)} ~${ms(e.ms)} vs ${ms(e.rooflineMs)} ` +
      `at its roofline: ~${e.percent.toFixed(0)}% (${ms(e.overheadMs)} of it dispatch overhead)`,
  );
}

/** A rate, or '—' when the time was below the timer's resolution (see kernelRooflines). */
export function rate(x: number | null, digits: number): string {
  return x === null ? '—' : x.toFixed(digits);
}

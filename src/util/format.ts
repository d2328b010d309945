/**
 * Text for people shared by every layer (the CLI, the sources' error messages, the UI):
 * byte counts and errors. Imports nothing.
 */

/** 548105171 -> "548.1 MB" (decimal units, as download sizes are usually shown). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** An error as one sentence for the user (the engine's errors already say what to do). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

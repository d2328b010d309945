/** A small, strict command-line parser: unknown flags and missing values are errors, not ignored. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagSpec = Record<string, 'string' | 'boolean'>;

export function parseArgs(argv: readonly string[], spec: FlagSpec): Map<string, string | boolean> {
  const out = new Map<string, string | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.set(name, true);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    out.set(name, value);
  }
  return out;
}

export function numberArg(
  args: Map<string, string | boolean>,
  name: string,
  fallback: number,
  { integer = false, min = -Infinity, max = Infinity } = {},
): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) {
    throw new UsageError(`--${name} must be a number, got "${String(raw)}"`);
  }
  if (integer && !Number.isInteger(v))
    throw new UsageError(`--${name} must be a whole number, got ${v}`);
  if (v < min || v > max)
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function idsArg(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  return parts.map((p) => {
    const v = Number(p);
    if (p === '' || !Number.isInteger(v) || v < 0)
      throw new UsageError(`--ids: "${p}" is not a token id`);
    return v;
  });
}

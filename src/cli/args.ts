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
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
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

/** Plain decimal numbers only: "0x10", "0b1", "1_000" and "Infinity" are not what people mean. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const WHOLE = /^\+?\d+$/;

export function numberArg(
  args: Map<string, string | boolean>,
  name: string,
  fallback: number,
  { integer = false, min = -Infinity, max = Infinity } = {},
): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!(integer ? WHOLE : DECIMAL).test(text) || !Number.isFinite(Number(text))) {
    throw new UsageError(
      `--${name} must be a ${integer ? 'whole' : 'decimal'} number, got "${String(raw)}"`,
    );
  }
  const v = Number(text);
  if (v < min || v > max)
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${v}`);
  return v;
}

/** Comma-separated token ids: plain decimal whole numbers below `vocabSize`. */
export function idsArg(raw: string, vocabSize = Infinity): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(Number(p))) {
      throw new UsageError(`--ids: "${p}" is not a token id (a whole number such as 464)`);
    }
    const v = Number(p);
    if (v >= vocabSize) {
      throw new UsageError(`--ids: ${v} is outside the vocabulary (0..${vocabSize - 1})`);
    }
    return v;
  });
}

/** An http:// or https:// URL (a hub mirror, a server), refused early with the flag's name. */
export function httpUrlArg(name: string, raw: string): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // said below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(
      `--${name} must be an http:// or https:// URL such as https://huggingface.co, got "${raw}"`,
    );
  }
  return raw;
}

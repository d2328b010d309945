/**
 * The `@workgroup_size(x, y, z)` of a WGSL compute shader's entry point, read from its text:
 * what a dispatch recorder needs to count invocations without asking the GPU (WebGPU does
 * not report it). Each dimension may be an integer literal, a module-scope `const` or
 * `override` (the pipeline's constants win over an override's default), or +, -, *, / and
 * parentheses over those: the forms a readable kernel uses.
 */
export type WorkgroupSize = readonly [number, number, number];

export class WorkgroupSizeError extends Error {
  override name = 'WorkgroupSizeError';
}

export function workgroupSize(
  code: string,
  constants: Readonly<Record<string, number>> = {},
  entryPoint = 'main',
): WorkgroupSize {
  const text = code.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const attr = new RegExp(
    `@workgroup_size\\s*\\(([^()]*(?:\\([^()]*\\)[^()]*)*)\\)[^{]*?\\bfn\\s+${entryPoint}\\b`,
  ).exec(text);
  if (!attr) {
    throw new WorkgroupSizeError(`no @workgroup_size found before fn ${entryPoint}`);
  }
  const names = new Map<string, string>();
  for (const m of text.matchAll(/\b(const|override)\s+(\w+)\s*(?::\s*\w+)?\s*=\s*([^;]+);/g)) {
    names.set(m[2], m[1] === 'override' && m[2] in constants ? String(constants[m[2]]) : m[3]);
  }
  for (const [name, value] of Object.entries(constants)) {
    if (!names.has(name)) names.set(name, String(value));
  }
  const dims = splitTopLevel(attr[1]).map((e) => evaluate(e, names, new Set()));
  if (dims.length < 1 || dims.length > 3) {
    throw new WorkgroupSizeError(`@workgroup_size(${attr[1]}) has ${dims.length} dimensions`);
  }
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1) {
      throw new WorkgroupSizeError(`@workgroup_size(${attr[1]}) evaluates to ${dims.join(', ')}`);
    }
  }
  return [dims[0], dims[1] ?? 1, dims[2] ?? 1];
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p);
}

/** A tiny recursive-descent evaluator: integers, names, + - * / and parentheses. */
function evaluate(expr: string, names: Map<string, string>, seen: Set<string>): number {
  const tokens = expr.match(/\d+[uif]?|\w+|[-+*/()]/g) ?? [];
  let i = 0;
  const fail = (why: string): never => {
    throw new WorkgroupSizeError(`cannot evaluate "${expr.trim()}" in @workgroup_size: ${why}`);
  };
  const primary = (): number => {
    const t = tokens[i++];
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') fail('missing )');
      return v;
    }
    if (t === '-') return -primary();
    if (/^\d/.test(t)) return Number(t.replace(/[uif]$/, ''));
    const def = names.get(t);
    if (def === undefined) return fail(`${t} is not a const, an override or a pipeline constant`);
    if (seen.has(t)) return fail(`${t} refers to itself`);
    return evaluate(def, names, new Set([...seen, t]));
  };
  const product = (): number => {
    let v = primary();
    while (tokens[i] === '*' || tokens[i] === '/') {
      const op = tokens[i++];
      const r = primary();
      v = op === '*' ? v * r : Math.trunc(v / r);
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const op = tokens[i++];
      const r = product();
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  if (i !== tokens.length) fail(`unexpected "${tokens[i]}"`);
  return v;
}

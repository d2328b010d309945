import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UniformLayout } from '../../src/gpu/uniform-layout.ts';

// Each binding's UniformLayout is the TypeScript mirror of its shader's `struct Params`:
// parse both and check that every shader a binding imports agrees with a layout it exports.
const kernelModules = import.meta.glob('../../src/kernels/*.ts', { eager: true }) as Record<
  string,
  Record<string, unknown>
>;

function paramsStruct(wgsl: string): string[] {
  const m = /struct\s+Params\s*\{([^}]*)\}/.exec(wgsl);
  if (!m) return [];
  return m[1]
    .replace(/\/\/[^\n]*/g, '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f)
    .map((f) => f.replace(/\s+/g, ''));
}

describe('uniform layouts mirror the WGSL Params structs', () => {
  const files = readdirSync('src/kernels').filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const text = readFileSync(`src/kernels/${file}`, 'utf8');
    const shaders = [...text.matchAll(/shaders\/([\w-]+\.wgsl)\?raw/g)].map((m) => m[1]);
    if (shaders.length === 0) continue;
    it(`${file}`, () => {
      const mod = kernelModules[`../../src/kernels/${file}`];
      const layouts = Object.values(mod).filter(
        (v) => v instanceof UniformLayout,
      ) as UniformLayout<string>[];
      expect(layouts.length, `${file} exports its UniformLayout`).toBeGreaterThan(0);
      const described = layouts.map((l) => l.fields.map(([n, t]) => `${n}:${t}`).join(','));
      for (const shader of shaders) {
        const fields = paramsStruct(readFileSync(`shaders/${shader}`, 'utf8')).join(',');
        expect(fields, `${shader} declares struct Params`).not.toBe('');
        expect(described, `${shader} Params vs layouts exported by ${file}`).toContain(fields);
      }
    });
  }
});

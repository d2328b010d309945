import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from '../../src/model/random-checkpoint-node.ts';

// `npm run inspect` as a user runs it, on a small random checkpoint on disk.
function inspect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', [
      'tsx',
      '--import',
      './src/cli/register-raw.mjs',
      'src/cli/inspect.ts',
      ...args,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const CONFIG = { nLayer: 2, nHead: 3, nEmbd: 36, nPositions: 24, vocabSize: 50257, nInner: 70 };

describe('npm run inspect', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpt2-inspect-'));
    await writeRandomCheckpoint(dir, { config: CONFIG, seed: 12 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('roles --json prints ids and the four scores per layer and head', async () => {
    const r = await inspect(['roles', '--model', dir, '--seed', '4', '--json', '--f16']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    // R = min(50, floor((24 - 1) / 2)) = 11.
    expect(out.ids).toHaveLength(23);
    expect(out.ids[0]).toBe(50256);
    for (const name of ['previous', 'first', 'self', 'induction']) {
      expect(out[name]).toHaveLength(CONFIG.nLayer);
      for (const row of out[name]) {
        expect(row).toHaveLength(CONFIG.nHead);
        for (const v of row) expect(v >= 0 && v <= 1 + 1e-6).toBe(true);
      }
    }
    const ids = await inspect(['roles', '--model', dir, '--ids', '1,2,3,1,2', '--json']);
    expect(ids.code, ids.stderr).toBe(0);
    expect(JSON.parse(ids.stdout).ids).toEqual([1, 2, 3, 1, 2]);
  });

  it('answers bad input with a clear error and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['roles', '--model', dir, '--ids', '1,99999'], /99999 is outside the vocabulary/],
      [['roles', '--model', dir, '--ids', '1,x'], /"x" is not a token id/],
      [['roles', '--model', dir, '--ids', '1,2', '--seed', '3'], /no use with --ids/],
      [['roles', '--model', dir, '--ids', Array(25).fill(1).join(',')], /at most 24/],
      [['nothing', '--model', dir], /unknown command "nothing"/],
    ];
    const results = await Promise.all(cases.map(([args]) => inspect(args)));
    cases.forEach(([args, message], i) => {
      expect(results[i].stderr, args.join(' ')).toMatch(message);
      expect(results[i].code, args.join(' ')).toBe(2);
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from '../../src/model/random-checkpoint-node.ts';
import { inSequence, runCli, type CliResult } from '../helpers/run-cli.ts';

// `npm run inspect` and `npm run generate` as a user runs them, on a small random checkpoint.
const inspect = (args: string[]): Promise<CliResult> => runCli('src/cli/inspect.ts', args);
const generate = (args: string[]): Promise<CliResult> => runCli('src/cli/generate.ts', args);

const CONFIG = { nLayer: 2, nHead: 3, nEmbd: 36, nPositions: 24, vocabSize: 50257, nInner: 70 };

describe('npm run inspect', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpt2-inspect-'));
    await writeRandomCheckpoint(dir, { config: CONFIG, seed: 12 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // CLI processes on a shared CPU are slow, hence the longer timeouts.
  it(
    'roles --json prints ids and the four scores per layer and head',
    { timeout: 600_000 },
    async () => {
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
    },
  );

  it('answers bad input with a clear error and exit code 2', { timeout: 600_000 }, async () => {
    const cases: [string[], RegExp][] = [
      [['roles', '--model', dir, '--ids', '1,99999'], /99999 is outside the vocabulary/],
      [['roles', '--model', dir, '--ids', '1,x'], /"x" is not a token id/],
      [['roles', '--model', dir, '--ids', '1,2', '--seed', '3'], /no use with --ids/],
      [['roles', '--model', dir, '--ids', Array(25).fill(1).join(',')], /at most 24/],
      [['nothing', '--model', dir], /unknown command "nothing"/],
    ];
    const results = await inSequence(
      cases.map(
        ([args]) =>
          () =>
            inspect(args),
      ),
    );
    cases.forEach(([args, message], i) => {
      expect(results[i].stderr, args.join(' ')).toMatch(message);
      expect(results[i].code, args.join(' ')).toBe(2);
    });
  });
});

describe('npm run generate -- --ablate', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpt2-ablate-'));
    await writeRandomCheckpoint(dir, { config: CONFIG, seed: 13 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Seven CLI processes, one after another: slow on a shared CPU, hence the longer timeout.
  it(
    'changes --logits and generation, records the ablation, and refuses bad heads and modes',
    { timeout: 600_000 },
    async () => {
      const base = [
        '--model',
        dir,
        '--ids',
        '10,20,30,40',
        '--max-tokens',
        '3',
        '--json',
        '--logits',
      ];
      const [plain, zero, mean, scaled, ...bad] = await inSequence([
        () => generate(base),
        () => generate([...base, '--ablate', '0.0,1.2']),
        () => generate([...base, '--ablate', '0.0,1.2', '--ablate-mode', 'mean', '--f16']),
        () => generate([...base, '--ablate', '1.1', '--ablate-mode', 'scale:1']),
        () => generate([...base, '--ablate', '2.0']),
        () => generate([...base, '--ablate', '0.0', '--ablate-mode', 'scale:nan']),
        () => generate([...base, '--ablate-mode', 'zero']),
      ]);
      for (const r of [plain, zero, mean, scaled]) expect(r.code, r.stderr).toBe(0);
      const logits = (r: { stdout: string }) => JSON.parse(r.stdout).logits as number[];
      expect(logits(zero)).not.toEqual(logits(plain));
      expect(logits(mean)).not.toEqual(logits(plain));
      // Scaling by 1 is no change at all.
      expect(logits(scaled)).toEqual(logits(plain));
      expect(JSON.parse(zero.stdout).ablation).toEqual({
        heads: [
          { layer: 0, head: 0 },
          { layer: 1, head: 2 },
        ],
        mode: 'zero',
        scale: 0,
      });
      expect(JSON.parse(plain.stdout).ablation).toBeUndefined();
      const messages = [
        /layer 2 does not exist \(this model has layers 0..1\)/,
        /finite factor/,
        /--ablate-mode needs --ablate/,
      ];
      bad.forEach((r, i) => {
        expect(r.stderr).toMatch(messages[i]);
        expect(r.code).toBe(2);
      });
    },
  );
});

describe('npm run inspect -- patch and dla', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpt2-patch-'));
    await writeRandomCheckpoint(dir, { config: CONFIG, seed: 14 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'patch --json and dla --json print the shapes of the issue; bad input gets a clear error',
    { timeout: 600_000 },
    async () => {
      const m = ['--model', dir];
      const [patched, same, attributed, ...bad] = await inSequence([
        () =>
          inspect([
            'patch',
            ...m,
            '--clean',
            'When Mary and John went',
            '--corrupt',
            'When John and Mary went',
            '--right',
            ' Mary',
            '--wrong-id',
            '1757',
            '--json',
          ]),
        () =>
          inspect([
            'patch',
            ...m,
            '--clean-ids',
            '1,2,3',
            '--corrupt-ids',
            '1,2,3',
            '--right-id',
            '5',
            '--wrong-id',
            '6',
            '--json',
            '--f16',
          ]),
        () => inspect(['dla', ...m, '--prompt', 'Once upon a', '--token', ' time', '--json']),
        () =>
          inspect([
            'patch',
            ...m,
            '--clean-ids',
            '1,2,3',
            '--corrupt-ids',
            '1,2',
            '--right-id',
            '5',
            '--wrong-id',
            '6',
          ]),
        () =>
          inspect([
            'patch',
            ...m,
            '--clean-ids',
            '1,2',
            '--corrupt-ids',
            '1,3',
            '--right',
            ' Mary and',
            '--wrong-id',
            '6',
          ]),
        () => inspect(['dla', ...m, '--ids', '1,2', '--token-id', '50257']),
      ]);
      expect(patched.code, patched.stderr).toBe(0);
      const p = JSON.parse(patched.stdout);
      expect(p.clean_ids).toHaveLength(5);
      expect(p.corrupt_ids).toHaveLength(5);
      expect(p.right_id).toBe(5335); // " Mary"
      expect(p.wrong_id).toBe(1757);
      expect(typeof p.clean_ld).toBe('number');
      expect(typeof p.corrupt_ld).toBe('number');
      expect(p.heads).toHaveLength(CONFIG.nLayer);
      for (const row of p.heads) expect(row).toHaveLength(CONFIG.nHead);
      expect(p.positions).toHaveLength(CONFIG.nLayer);
      for (const row of p.positions) expect(row).toHaveLength(5);
      expect(p.stats.forwards).toBe(2 + CONFIG.nLayer * (CONFIG.nHead + 5));

      expect(same.code, same.stderr).toBe(0);
      const s = JSON.parse(same.stdout);
      expect(s.clean_ld).toBe(s.corrupt_ld);
      expect(s.heads.flat().every((v: unknown) => v === null)).toBe(true);
      expect(s.undefined_reason).toMatch(/LD_clean equals LD_corrupt/);

      expect(attributed.code, attributed.stderr).toBe(0);
      const d = JSON.parse(attributed.stdout);
      expect(d.ids).toEqual([7454, 2402, 257]);
      expect(d.token_id).toBe(640);
      expect(d.parts.map((x: { name: string }) => x.name)).toEqual([
        'embed',
        'L0H0',
        'L0H1',
        'L0H2',
        'L0.attn_bias',
        'L0.mlp',
        'L1H0',
        'L1H1',
        'L1H2',
        'L1.attn_bias',
        'L1.mlp',
      ]);
      const total = d.parts.reduce((a: number, x: { value: number }) => a + x.value, d.beta);
      expect(Math.abs(total - d.logit)).toBeLessThan(1e-3);

      const messages = [
        /clean prompt has 3 tokens and the corrupted one 2/,
        /--right " Mary and" is 2 tokens \(5335,290\), not one/,
        /50257 is outside the vocabulary/,
      ];
      bad.forEach((r, i) => {
        expect(r.stderr).toMatch(messages[i]);
        expect(r.code).toBe(2);
      });
    },
  );
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from '../../src/model/random-checkpoint-node.ts';
import { startHubServer } from '../helpers/hub-server.ts';
import { runCli } from '../helpers/run-cli.ts';

// The CLIs as a user runs them (npm scripts through tsx), on a small random checkpoint on disk.
describe('command line', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpt2-cli-'));
    await writeRandomCheckpoint(dir, {
      config: { nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 24, vocabSize: 50257, nInner: 128 },
      seed: 11,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generate --json --logits prints prompt ids, ids, text and the full logits', async () => {
    const r = await runCli('src/cli/generate.ts', [
      '--model',
      dir,
      '--prompt',
      'Hello world',
      '--max-tokens',
      '5',
      '--temperature',
      '0.8',
      '--top-k',
      '40',
      '--seed',
      '7',
      '--json',
      '--logits',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.prompt_ids).toEqual([15496, 995]);
    expect(out.ids).toHaveLength(5);
    expect(out.logits).toHaveLength(50257);
    expect(typeof out.text).toBe('string');
    const again = await runCli('src/cli/generate.ts', [
      '--model',
      dir,
      '--ids',
      '15496,995',
      '--max-tokens',
      '5',
      '--temperature',
      '0.8',
      '--top-k',
      '40',
      '--seed',
      '7',
      '--json',
      '--no-pipeline',
    ]);
    // Pipelined (the first run: the GPU went on after each token but the last) or not, the
    // same seed reproduces the same tokens.
    expect(out.pipelined_tokens).toBe(4);
    expect(JSON.parse(again.stdout)).toMatchObject({ ids: out.ids, pipelined_tokens: 0 });
  });

  it('generate reads a hub repo from the mirror HF_ENDPOINT names, as from --hub-base', async () => {
    const files = {
      config: readFileSync(join(dir, 'config.json')),
      weights: readFileSync(join(dir, 'model.safetensors')),
    };
    const hub = await startHubServer({
      'openai-community/gpt2/config.json': files.config,
      'openai-community/gpt2/model.safetensors': files.weights,
    });
    try {
      const args = [
        '--model',
        'hf:openai-community/gpt2',
        '--ids',
        '15496,995',
        '--max-tokens',
        '3',
        '--temperature',
        '0',
        '--json',
      ];
      const viaEnv = await runCli('src/cli/generate.ts', args, { HF_ENDPOINT: hub.baseUrl });
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      const viaFlag = await runCli('src/cli/generate.ts', [...args, '--hub-base', hub.baseUrl]);
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
      const local = await runCli('src/cli/generate.ts', ['--model', dir, ...args.slice(2)]);
      expect(JSON.parse(viaEnv.stdout).ids).toEqual(JSON.parse(local.stdout).ids);
      expect(JSON.parse(viaFlag.stdout).ids).toEqual(JSON.parse(local.stdout).ids);
      expect(
        hub.requests.some((r) =>
          r.includes('/openai-community/gpt2/resolve/main/model.safetensors'),
        ),
      ).toBe(true);
    } finally {
      await hub.close();
    }
  });

  it('rejects bad settings with a message naming the allowed range, exit 2 and the usage', async () => {
    for (const [flag, value, pattern] of [
      ['--temperature', '-1', /temperature/i],
      ['--temperature', 'NaN', /temperature/i],
      ['--top-p', '0', /top-?p/i],
      ['--top-k', '-3', /top-?k/i],
      ['--ids', '0x10', /"0x10" is not a token id/],
      ['--hub-base', 'file:///tmp', /--hub-base must be an http/],
    ] as const) {
      const args = ['--model', dir, '--ids', '1', flag, value];
      const r = await runCli('src/cli/generate.ts', args);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).toMatch(/^usage: npm run generate -- --model/m);
      expect(r.stderr).not.toMatch(/XDG_RUNTIME_DIR/);
    }
  });

  it('says so when the prompt is longer than the context, and when the model is missing', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => i + 1).join(',');
    const long = await runCli('src/cli/generate.ts', ['--model', dir, '--ids', ids]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/context is full.*24 tokens/);
    const missing = await runCli('src/cli/generate.ts', [
      '--model',
      join(dir, 'nope'),
      '--ids',
      '1',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
  });

  it('bench --json reports speed and per-step GPU work', async () => {
    const r = await runCli('src/cli/bench.ts', [
      '--model',
      dir,
      '--json',
      '--prefill',
      '8',
      '--steps',
      '2',
      '--peak-mb',
      '4',
      '--kernel-runs',
      '1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.prefill.tokens).toBe(8);
    expect(out.decode.submits).toBe(1);
    expect(out.decode.dispatches).toBeGreaterThan(10);
    expect(out.decode.readbackBytes).toBeLessThan(1024);
    expect(out.decode.weightBytes).toBeGreaterThan(50257 * 32 * 4);
    expect(out.decode.tokensPerSecond).toBeGreaterThan(0);
    // Against the roofline: the device's peaks, each kernel kind, every dispatch.
    expect(out.peak.bufferBytes).toBe(4 * 2 ** 20);
    expect(out.decode.structure.dispatches).toBe(out.decode.dispatches);
    expect(
      out.decode.kernels.find((k: { op: string }) => k.op === 'lm_head').percent,
    ).toBeGreaterThan(0);
    expect(out.prefill.roofline.rooflineMs).toBeGreaterThan(0);
  });

  it('bench --structure-only records the dispatches by a dry run and estimates other GPUs', async () => {
    const r = await runCli('src/cli/bench.ts', [
      '--model',
      dir,
      '--json',
      '--prefill',
      '8',
      '--structure-only',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.decode.position).toBe(8);
    expect(out.decode.structure.rows[0]).toMatchObject({ kernel: 'embedding', op: 'embedding' });
    // What a GPU runs: one matmul per linear layer (split K adds its combine to the op) and
    // the v2 decode step, 5 dispatches per layer plus 4.
    expect(
      out.prefill.structure.rows.filter(
        (d: { op: string; kernel: string }) => d.op === 'matmul' && d.kernel !== 'split_k_sum',
      ),
    ).toHaveLength(8);
    expect(out.decodeKernels).toBe('v2');
    expect(out.decode.structure.dispatches).toBe(5 * 2 + 4);
    expect(out.decode.estimates.map((e: { gpu: string }) => e.gpu)).toEqual([
      'Apple M1 (8-core GPU)',
      'NVIDIA RTX 4090',
    ]);
    const text = await runCli('src/cli/bench.ts', [
      '--model',
      dir,
      '--prefill',
      '8',
      '--structure-only',
    ]);
    expect(text.stdout).toMatch(/decode @8 +\d+ dispatches/);
    expect(text.stdout).toMatch(/NVIDIA RTX 4090 +~[\d.]+ ms/);
  });

  it('bench --decode-kernels both times v1 and v2 decode steps interleaved in one run', async () => {
    const args = ['--model', dir, '--prefill', '4', '--steps', '1', '--decode-kernels', 'both'];
    const json = await runCli('src/cli/bench.ts', [...args, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout);
    expect([c.v1.kernels, c.v2.kernels]).toEqual(['v1', 'v2']);
    // 8 dispatches per layer plus embedding, ln_f, LM head, top-k rounds and log-sum-exp
    // against 5 per layer plus 4.
    expect(c.v2.dispatches).toBe(5 * 2 + 4);
    expect(c.v1.dispatches).toBeGreaterThan(c.v2.dispatches);
    for (const t of [c.v1, c.v2]) {
      expect(t.decodeMs).toBeGreaterThan(0);
      expect(t.prefillCpuMs).toBeGreaterThan(0);
    }
    const bad = await runCli('src/cli/bench.ts', ['--model', dir, '--decode-kernels', 'v3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--decode-kernels takes v1/);
  });

  it('bench --compare measures f32 and f16 in one run, and says how they compare', async () => {
    const args = [
      '--model',
      dir,
      '--prefill',
      '4',
      '--steps',
      '1',
      '--compare',
      '--peak-mb',
      '4',
      '--kernel-runs',
      '1',
    ];
    const json = await runCli('src/cli/bench.ts', [...args, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const [f32, f16] = JSON.parse(json.stdout);
    expect([f32.storage, f16.storage]).toEqual(['f32', 'f16']);
    // f16 storage halves the matrices (layernorm and bias vectors, if counted, stay f32).
    expect(f16.decode.weightBytes / f32.decode.weightBytes).toBeGreaterThanOrEqual(0.5);
    expect(f16.decode.weightBytes / f32.decode.weightBytes).toBeLessThan(0.52);
    const text = await runCli('src/cli/bench.ts', args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/f16 vs f32, measured in this run:/);
    expect(text.stdout).toMatch(/weight bytes per decode step\s+0\.5\dx/);
    const both = await runCli('src/cli/bench.ts', [...args, '--f16']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--compare runs f32 and f16/);
  });
});

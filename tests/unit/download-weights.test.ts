import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/download-weights.ts';
import { startHubServer, type HubServer, type HubServerOptions } from '../helpers/hub-server.ts';
import { rng } from '../helpers/random.ts';

const REPO = 'openai-community/gpt2';
const FOLDER = `/${REPO}/resolve/main`;
const CONFIG = '{"model_type": "gpt2", "n_layer": 2}';
const WEIGHTS = (() => {
  const r = rng(3);
  const out = new Uint8Array(700_000);
  for (let i = 0; i < out.length; i++) out[i] = (r() * 256) | 0;
  out.set([16, 0, 0, 0, 0, 0, 0, 0]); // a binary start, as a safetensors header length
  return out;
})();

let root: string;
let n = 0;
const servers: HubServer[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gpt2-weights-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function hub(options: HubServerOptions = {}): Promise<HubServer> {
  const s = await startHubServer(
    { [`${REPO}/config.json`]: CONFIG, [`${REPO}/model.safetensors`]: WEIGHTS },
    options,
  );
  servers.push(s);
  return s;
}

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(argv, {
    stderr: { write: (t: string) => (stderr += t) },
    retryDelayMs: 0,
  });
  return { code, stderr };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('npm run weights', () => {
  it('downloads config.json and model.safetensors with byte progress', async () => {
    const server = await hub();
    const out = join(root, `run${n++}`, 'gpt2');
    const { code, stderr } = await run([REPO, '--base', server.baseUrl, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(await readFile(join(out, 'config.json'), 'utf8')).toBe(CONFIG);
    expect(sameBytes(await readFile(join(out, 'model.safetensors')), WEIGHTS)).toBe(true);
    expect(await exists(join(out, 'model.safetensors.part'))).toBe(false);
    expect(stderr).toMatch(/model\.safetensors: 700\.0 kB \/ 700\.0 kB \(100\.0%\)/);

    // A second run finds the files and downloads nothing.
    const before = server.requests.length;
    const again = await run([REPO, '--base', server.baseUrl, '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already there/);
    expect(server.requests.length).toBe(before);
  });

  it('continues a partial file from an earlier run with a Range request', async () => {
    const server = await hub();
    const out = join(root, `run${n++}`);
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.safetensors.part'), WEIGHTS.subarray(0, 250_000));
    const { code, stderr } = await run([`hf:${REPO}`, '--base', server.baseUrl, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/resuming at 250\.0 kB/);
    expect(server.requests).toContain(`GET ${FOLDER}/model.safetensors bytes=250000-`);
    expect(sameBytes(await readFile(join(out, 'model.safetensors')), WEIGHTS)).toBe(true);
  });

  it('starts over when the server ignores Range', async () => {
    const server = await hub({ faults: { [`${REPO}/model.safetensors`]: { ignoreRange: true } } });
    const out = join(root, `run${n++}`);
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.safetensors.part'), new Uint8Array(1000).fill(7));
    const { code, stderr } = await run([REPO, '--base', server.baseUrl, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/starting over/);
    expect(sameBytes(await readFile(join(out, 'model.safetensors')), WEIGHTS)).toBe(true);
  });

  it('fails clearly and keeps only the .part when the download breaks off', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { truncateAfter: 300_000, ignoreRange: true } },
    });
    const out = join(root, `run${n++}`);
    const { code, stderr } = await run([REPO, '--base', server.baseUrl, '--out', out]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: The download of .* broke off after \d+ of 700000 bytes/);
    expect(await exists(join(out, 'model.safetensors'))).toBe(false);
    expect(await exists(join(out, 'model.safetensors.part'))).toBe(true);
  });

  it('stops on interrupt, keeping the .part for the next run', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { stallAfter: 200_000 } },
    });
    const out = join(root, `run${n++}`);
    const controller = new AbortController();
    let stderr = '';
    const write = (t: string) => {
      stderr += t;
      if (t.startsWith('model.safetensors:')) controller.abort(); // bytes are flowing
    };
    const code = await main([REPO, '--base', server.baseUrl, '--out', out], {
      stderr: { write },
      signal: controller.signal,
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/Interrupted.*run the same command again to resume/);
    expect((await stat(join(out, 'model.safetensors.part'))).size).toBeGreaterThan(0);
    expect(await exists(join(out, 'model.safetensors'))).toBe(false);
  });

  it('reports a missing repo and bad usage', async () => {
    const server = await hub();
    const out = join(root, `run${n++}`);
    const missing = await run(['nobody/nothing', '--base', server.baseUrl, '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: .*answered 404 \(no such repo\)/);
    const usage = await run([REPO, '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown option --bogus[\s\S]*Usage:/);
    const dir = await run(['./weights/gpt2']);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/is a directory path/);
  });
});

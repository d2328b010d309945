import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CachedFiles,
  deleteCachedModel,
  listCachedModels,
  openModelCache,
  type ModelCache,
} from '../../src/model/sources/cached-files.ts';
import {
  CacheUnavailableError,
  DownloadError,
  InvalidRepoIdError,
  MissingModelFileError,
  ModelSpecError,
  NotModelFileError,
} from '../../src/model/sources/errors.ts';
import { HttpFiles } from '../../src/model/sources/http-files.ts';
import { HubFiles, hubFolderUrl, validateRepoId } from '../../src/model/sources/hub-files.ts';
import {
  NodeDirFiles,
  nodeModelFiles,
  openModelDir,
} from '../../src/model/sources/node-dir-files.ts';
import { PickedFiles } from '../../src/model/sources/picked-files.ts';
import {
  formatModelSpec,
  modelFilesFor,
  parseModelSpec,
  type ModelSource,
} from '../../src/model/sources/resolve-source.ts';
import { startHubServer, type HubServer, type HubServerOptions } from '../helpers/hub-server.ts';
import { rng } from '../helpers/random.ts';

const REPO = 'openai-community/gpt2';
const FOLDER = `/${REPO}/resolve/main`;
const CONFIG = JSON.stringify({ model_type: 'gpt2', n_layer: 2, n_head: 2, n_embd: 8 });

/** A small but real safetensors file (one F32 tensor), big enough to arrive in many chunks. */
function makeSafetensors(floats: number): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({
      'wte.weight': { dtype: 'F32', shape: [floats], data_offsets: [0, floats * 4] },
    }),
  );
  const out = new Uint8Array(8 + header.length + floats * 4);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  const r = rng(7);
  for (let i = 8 + header.length; i < out.length; i++) out[i] = (r() * 256) | 0;
  return out;
}
const WEIGHTS = makeSafetensors(150_000); // ~600 kB

const FILES = {
  [`${REPO}/config.json`]: CONFIG,
  [`${REPO}/model.safetensors`]: WEIGHTS,
};

const servers: HubServer[] = [];
async function hub(
  options: HubServerOptions = {},
  files: Record<string, Uint8Array | string> = FILES,
): Promise<HubServer> {
  const server = await startHubServer(files, options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function hubFiles(
  server: HubServer,
  extra: Partial<ConstructorParameters<typeof HubFiles>[0]> = {},
) {
  return new HubFiles({ base: server.baseUrl, retryDelayMs: 0, ...extra });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    chunks.push(r.value);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** Byte-for-byte equality without printing 600 kB on failure. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength, 'length').toBe(expected.byteLength);
  const first = actual.findIndex((b, i) => b !== expected[i]);
  expect(first, 'first differing byte').toBe(-1);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, got a result');
}

describe('HubFiles against a local hub', () => {
  it('downloads config.json and model.safetensors from the resolve layout', async () => {
    const server = await hub();
    const files = hubFiles(server);
    expect(await files.readText('config.json')).toBe(CONFIG);
    const opened = await files.open('model.safetensors');
    expect(opened.size).toBe(WEIGHTS.length);
    expect(opened.fromCache).toBe(false);
    expectSameBytes(await readAll(opened.stream), WEIGHTS);
    expect(server.requests).toEqual([
      `GET ${FOLDER}/config.json`,
      `GET ${FOLDER}/model.safetensors`,
    ]);
    expect(files.description).toContain('hf:openai-community/gpt2');
  });

  it('builds URLs for a legacy bare repo and another revision', async () => {
    const server = await hub({ revisions: ['main', 'refs/pr/1'] }, { 'gpt2/config.json': CONFIG });
    const files = hubFiles(server, { repo: 'gpt2', revision: 'refs/pr/1' });
    expect(await files.readText('config.json')).toBe(CONFIG);
    expect(server.requests).toEqual(['GET /gpt2/resolve/refs%2Fpr%2F1/config.json']);
    expect(hubFolderUrl('gpt2')).toBe('https://huggingface.co/gpt2/resolve/main');
  });

  it('reports a missing repo, revision and file as 404 with what to check', async () => {
    const server = await hub();
    const repo = await rejection(
      hubFiles(server, { repo: 'nobody/nothing' }).readText('config.json'),
    );
    expect(repo).toBeInstanceOf(DownloadError);
    expect(repo).toMatchObject({ status: 404, problem: 'not-found' });
    expect(repo.message).toMatch(/no such repo/);
    expect(repo.message).toMatch(/Check the repo id/);
    expect(repo.message).toContain(`${server.baseUrl}/nobody/nothing/resolve/main/config.json`);
    const rev = await rejection(hubFiles(server, { revision: 'v9' }).readText('config.json'));
    expect(rev.message).toMatch(/no such revision/);
    const file = await rejection(hubFiles(server).open('pytorch_model.bin'));
    expect(file.message).toMatch(/the repo has no such file/);
    // A repo with other weight files: the message says which ones cannot be read.
    const binOnly = await hub(
      {},
      { [`${REPO}/config.json`]: '{}', [`${REPO}/pytorch_model.bin`]: 'x' },
    );
    const weights = await rejection(hubFiles(binOnly).open('model.safetensors'));
    expect(weights.message).toMatch(/pytorch_model\.bin or sharded .* cannot be read here/);
  });

  it('reports server trouble (500) and gated repos (401) with what to do', async () => {
    const server = await hub({
      faults: {
        [`${REPO}/model.safetensors`]: { status: 500 },
        [`${REPO}/config.json`]: { status: 401 },
      },
    });
    const e500 = await rejection(hubFiles(server).open('model.safetensors'));
    expect(e500).toBeInstanceOf(DownloadError);
    expect(e500).toMatchObject({ status: 500, problem: 'server' });
    expect(e500.message).toMatch(/Try again/);
    const e401 = await rejection(hubFiles(server).readText('config.json'));
    expect(e401).toMatchObject({ status: 401, problem: 'denied' });
    expect(e401.message).toMatch(/gated or private/);
  });

  it('reports an unreachable server as a network problem', async () => {
    const server = await hub();
    const base = server.baseUrl;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const e = await rejection(new HubFiles({ base }).readText('config.json'));
    expect(e).toMatchObject({ problem: 'network', status: null });
    expect(e.message).toMatch(/Check the internet connection/);
  });

  it('detects an HTML page instead of the weights or the config', async () => {
    const server = await hub({
      faults: {
        [`${REPO}/model.safetensors`]: { html: true },
        [`${REPO}/config.json`]: { html: true },
      },
    });
    const weights = await rejection(hubFiles(server).open('model.safetensors'));
    expect(weights).toBeInstanceOf(NotModelFileError);
    expect(weights).toMatchObject({ content: 'html' });
    expect(weights.message).toMatch(/web page \(HTML\), not model\.safetensors/);
    const config = await rejection(hubFiles(server).readText('config.json'));
    expect(config).toMatchObject({ content: 'html' });
  });

  it('detects an HTML body even when the server calls it octet-stream', async () => {
    const page = '\n<!DOCTYPE html><html><body>Not here</body></html>';
    const server = await hub({}, { [`${REPO}/model.safetensors`]: page });
    const e = await rejection(hubFiles(server).open('model.safetensors'));
    expect(e).toMatchObject({ content: 'html' });
  });

  it('does not mistake a checkpoint whose first byte is "<" for a page', async () => {
    const bytes = makeSafetensors(300);
    bytes.set([0x3c, 0x3c, 0x3c, 0x3c, 0, 0, 0, 0]); // header length 0x3c3c3c3c: odd but binary
    const server = await hub({}, { [`${REPO}/model.safetensors`]: bytes });
    const opened = await hubFiles(server).open('model.safetensors');
    expectSameBytes(await readAll(opened.stream), bytes);
  });

  it('detects a Git LFS pointer instead of the weights', async () => {
    const server = await hub({ faults: { [`${REPO}/model.safetensors`]: { lfsPointer: true } } });
    const e = await rejection(hubFiles(server).open('model.safetensors'));
    expect(e).toBeInstanceOf(NotModelFileError);
    expect(e).toMatchObject({ content: 'lfs-pointer' });
    expect(e.message).toMatch(/Git LFS pointer/);
    expect(e.message).toContain('600.'); // the real size, from the pointer's size line
  });

  it('requires config.json to parse as JSON', async () => {
    const server = await hub({}, { [`${REPO}/config.json`]: 'n_layer = 12' });
    const e = await rejection(hubFiles(server).readText('config.json'));
    expect(e).toMatchObject({ content: 'not-json' });
    expect(e.message).toContain('"n_layer = 12"');
  });

  it('refuses weights of unknown size', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { noContentLength: true } },
    });
    const e = await rejection(hubFiles(server).open('model.safetensors'));
    expect(e).toMatchObject({ problem: 'no-size' });
    expect(e.message).toMatch(/needs the size up front/);
  });

  it('resumes a truncated download with a Range request', async () => {
    const cut = 100_000;
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { truncateAfter: cut, failFirst: 1 } },
    });
    const resumes: number[] = [];
    const files = hubFiles(server, { onResume: ({ at }) => resumes.push(at) });
    const opened = await files.open('model.safetensors');
    expect(opened.size).toBe(WEIGHTS.length);
    expectSameBytes(await readAll(opened.stream), WEIGHTS);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]).toBe(`GET ${FOLDER}/model.safetensors bytes=${resumes[0]}-`);
    const m = /^GET \S+model\.safetensors bytes=(\d+)-$/.exec(server.requests[1]);
    expect(m, server.requests[1]).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThanOrEqual(cut);
  });

  it('keeps resuming while bytes keep coming', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { truncateAfter: 150_000 } },
    });
    const opened = await hubFiles(server).open('model.safetensors');
    expectSameBytes(await readAll(opened.stream), WEIGHTS);
    expect(server.requests.length).toBeGreaterThanOrEqual(4); // 600 kB in 150 kB pieces
  });

  it('errors the stream when the server ignores Range (never a silent short file)', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { truncateAfter: 100_000, ignoreRange: true } },
    });
    const opened = await hubFiles(server).open('model.safetensors');
    const e = await rejection(readAll(opened.stream));
    expect(e).toBeInstanceOf(DownloadError);
    expect(e).toMatchObject({ problem: 'truncated' });
    expect(e.message).toMatch(/broke off after \d+ of 60\d+ bytes/);
    expect(e.message).toMatch(/ignores Range/);
  });

  it('gives up after 3 failed resume attempts in a row', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { truncateAfter: 100_000, failFirst: 1 } },
    });
    let calls = 0;
    const flaky: typeof fetch = (input, init) =>
      calls++ === 0 ? fetch(input, init) : Promise.resolve(new Response('busy', { status: 503 }));
    const opened = await hubFiles(server, { fetch: flaky }).open('model.safetensors');
    const e = await rejection(readAll(opened.stream));
    expect(e).toMatchObject({ problem: 'truncated' });
    expect(e.message).toMatch(/3 attempts to resume failed \(last: HTTP 503\)/);
    expect(calls).toBe(4);
  });

  it('aborts mid-download and before it starts', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { stallAfter: 100_000 } },
    });
    const controller = new AbortController();
    const opened = await hubFiles(server).open('model.safetensors', controller.signal);
    const reader = opened.stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    const e = await rejection(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    );
    expect(e.name).toBe('AbortError');
    const early = await rejection(hubFiles(server).open('model.safetensors', AbortSignal.abort()));
    expect(early.name).toBe('AbortError');
  });

  it('serves a plain URL folder the same way', async () => {
    const server = await hub();
    const files = new HttpFiles(`${server.baseUrl}${FOLDER}/`);
    expect(files.baseUrl).toBe(`${server.baseUrl}${FOLDER}`);
    expect(await files.readText('config.json')).toBe(CONFIG);
    expect(() => files.urlOf('../secret')).toThrow(/not a file name/);
  });
});

/** A Map with Cache API semantics: put reads the whole body and stores nothing if it fails. */
class MemoryCache implements ModelCache {
  readonly entries = new Map<string, { body: Uint8Array; headers: [string, string][] }>();
  puts = 0;
  failPuts = false;

  async match(request: string): Promise<Response | undefined> {
    const e = this.entries.get(new URL(request).href);
    return e ? new Response(e.body.slice(), { headers: e.headers }) : undefined;
  }
  async put(request: string, response: Response): Promise<void> {
    this.puts++;
    const body = new Uint8Array(await response.arrayBuffer());
    if (this.failPuts) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.entries.set(new URL(request).href, { body, headers: [...response.headers] });
  }
  async delete(request: string): Promise<boolean> {
    return this.entries.delete(new URL(request).href);
  }
  async keys(): Promise<{ url: string }[]> {
    return [...this.entries.keys()].map((url) => ({ url }));
  }
}

describe('CachedFiles', () => {
  it('stores a download and serves the second visit from the cache with no requests', async () => {
    const server = await hub();
    const cache = new MemoryCache();
    const options = { hubBase: server.baseUrl, cache, retryDelayMs: 0 };
    const first = modelFilesFor(REPO, options);
    expect(first).toBeInstanceOf(CachedFiles);
    expect(await first.readText('config.json')).toBe(CONFIG);
    const download = await first.open('model.safetensors');
    expect(download.fromCache).toBe(false);
    expectSameBytes(await readAll(download.stream), WEIGHTS);
    expect(server.requests).toHaveLength(2);

    const second = modelFilesFor(REPO, options); // a new page load
    expect(await second.readText('config.json')).toBe(CONFIG);
    const hit = await second.open('model.safetensors');
    expect(hit.fromCache).toBe(true);
    expect(hit.size).toBe(WEIGHTS.length);
    expectSameBytes(await readAll(hit.stream), WEIGHTS);
    expect(server.requests, 'requests after the first visit').toHaveLength(2);

    const models = await listCachedModels(cache);
    expect(models).toHaveLength(1);
    expect(models[0].folderUrl).toBe(`${server.baseUrl}${FOLDER}`);
    expect(models[0].description).toContain(REPO);
    expect(models[0].files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors']);
    expect(models[0].bytes).toBe(CONFIG.length + WEIGHTS.length);
    expect(models[0].storedAt).toBeInstanceOf(Date);
    expect(await deleteCachedModel(cache, models[0].folderUrl)).toBe(2);
    expect(await listCachedModels(cache)).toEqual([]);
  });

  it('leaves no entry when the download fails or is aborted', async () => {
    const server = await hub({
      faults: { [`${REPO}/model.safetensors`]: { truncateAfter: 100_000, ignoreRange: true } },
    });
    const cache = new MemoryCache();
    const files = modelFilesFor(REPO, { hubBase: server.baseUrl, cache, retryDelayMs: 0 });
    const opened = await files.open('model.safetensors');
    const e = await rejection(readAll(opened.stream));
    expect(e).toMatchObject({ problem: 'truncated' });
    expect(cache.puts).toBe(1);
    expect(await cache.keys()).toEqual([]);

    const stalled = await hub({
      faults: { [`${REPO}/model.safetensors`]: { stallAfter: 50_000 } },
    });
    const controller = new AbortController();
    const aborted = await modelFilesFor(REPO, {
      hubBase: stalled.baseUrl,
      cache,
    }).open('model.safetensors', controller.signal);
    const reader = aborted.stream.getReader();
    await reader.read();
    controller.abort();
    expect((await rejection(reader.read())).name).toBe('AbortError');
    expect(await cache.keys()).toEqual([]);
  });

  it('still delivers the file when the cache cannot store it, and says so', async () => {
    const server = await hub();
    const cache = new MemoryCache();
    cache.failPuts = true;
    const warnings: string[] = [];
    const files = modelFilesFor(REPO, {
      hubBase: server.baseUrl,
      cache,
      onCacheWarning: (m) => warnings.push(m),
    });
    const opened = await files.open('model.safetensors');
    expectSameBytes(await readAll(opened.stream), WEIGHTS);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not be stored.*QuotaExceededError/);
    expect(await cache.keys()).toEqual([]);
  });

  it('drops a damaged entry and says so', async () => {
    const cache = new MemoryCache();
    const folderUrl = 'https://example.com/models/gpt2';
    const inner = new HttpFiles(folderUrl, { fetch: () => Promise.reject(new Error('offline')) });
    const files = new CachedFiles(inner, cache, { folderUrl });
    await cache.put(
      files.keyOf('model.safetensors'),
      new Response(new Uint8Array(10), {
        headers: { 'x-model-folder': folderUrl, 'x-model-file-size': '20' },
      }),
    );
    const hit = await files.open('model.safetensors');
    expect(hit.fromCache).toBe(true);
    const e = await rejection(readAll(hit.stream));
    expect(e.message).toMatch(/damaged \(10 bytes read, 20 expected\)/);
    expect(await cache.keys()).toEqual([]);
  });

  it('says when Cache Storage is not available', async () => {
    expect(await rejection(openModelCache())).toBeInstanceOf(CacheUnavailableError);
  });
});

describe('PickedFiles', () => {
  const config = new File([CONFIG], 'config.json');
  const weights = new File([WEIGHTS as Uint8Array<ArrayBuffer>], 'model.safetensors');

  it('finds the files by name and streams them', async () => {
    const files = new PickedFiles([new File(['# readme'], 'README.md'), weights, config]);
    expect(await files.readText('config.json')).toBe(CONFIG);
    const opened = await files.open('model.safetensors');
    expect(opened.size).toBe(WEIGHTS.length);
    expectSameBytes(await readAll(opened.stream), WEIGHTS);
    expect(files.description).toMatch(/model\.safetensors, 600\.\d kB/);
  });

  it('takes a single checkpoint under another name', async () => {
    const files = new PickedFiles([config, new File([new Uint8Array(16)], 'gpt2.safetensors')]);
    expect((await files.open('model.safetensors')).size).toBe(16);
  });

  it('names what is missing, with a hint for other formats', () => {
    let e: unknown;
    try {
      new PickedFiles([config, new File(['x'], 'pytorch_model.bin')]);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(MissingModelFileError);
    expect((e as MissingModelFileError).missing).toEqual(['model.safetensors']);
    expect((e as Error).message).toMatch(/have no model\.safetensors/);
    expect((e as Error).message).toMatch(/pytorch_model\.bin is a checkpoint format/);
    expect(() => new PickedFiles([])).toThrow(/No files were picked/);
    expect(() => new PickedFiles([weights])).toThrow(/have no config\.json/);
  });
});

describe('NodeDirFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gpt2-sources-'));
    await mkdir(join(dir, 'gpt2'));
    await writeFile(join(dir, 'gpt2', 'config.json'), CONFIG);
    await writeFile(join(dir, 'gpt2', 'model.safetensors'), WEIGHTS);
    await mkdir(join(dir, 'empty'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a directory', async () => {
    const files = await openModelDir(join(dir, 'gpt2'));
    expect(await files.readText('config.json')).toBe(CONFIG);
    const opened = await files.open('model.safetensors');
    expect(opened.size).toBe(WEIGHTS.length);
    expectSameBytes(await readAll(opened.stream), WEIGHTS);
  });

  it('says when the directory or a file is missing', async () => {
    const noDir = await rejection(openModelDir(join(dir, 'nope')));
    expect(noDir).toBeInstanceOf(MissingModelFileError);
    expect(noDir.message).toMatch(/does not exist/);
    const empty = await rejection(openModelDir(join(dir, 'empty')));
    expect(empty).toMatchObject({ missing: ['config.json', 'model.safetensors'] });
    const lazy = await rejection(new NodeDirFiles(join(dir, 'empty')).open('model.safetensors'));
    expect(lazy.message).toMatch(/has no model\.safetensors/);
  });

  it('prefers an existing directory over a hub id spelled the same', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await nodeModelFiles('gpt2')).toBeInstanceOf(NodeDirFiles);
      expect(await nodeModelFiles('openai-community/gpt2')).toBeInstanceOf(HubFiles);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('parseModelSpec', () => {
  const hubSrc = (repo: string, revision = 'main'): ModelSource => ({
    kind: 'hub',
    repo,
    revision,
  });
  const table: [string, ModelSource][] = [
    ['openai-community/gpt2', hubSrc(REPO)],
    ['gpt2', hubSrc('gpt2')],
    ['  hf:gpt2  ', hubSrc('gpt2')],
    ['hf:openai-community/gpt2@refs/pr/1', hubSrc(REPO, 'refs/pr/1')],
    ['distilbert/distilgpt2@v1.0', hubSrc('distilbert/distilgpt2', 'v1.0')],
    ['https://huggingface.co/openai-community/gpt2', hubSrc(REPO)],
    ['https://huggingface.co/openai-community/gpt2/tree/v2/', hubSrc(REPO, 'v2')],
    ['https://huggingface.co/gpt2/resolve/main/config.json', hubSrc('gpt2')],
    [
      'https://huggingface.co/datasets/foo/bar',
      { kind: 'url', url: 'https://huggingface.co/datasets/foo/bar' },
    ],
    ['https://example.com/models/gpt2/', { kind: 'url', url: 'https://example.com/models/gpt2' }],
    [
      'http://127.0.0.1:8000/gpt2/model.safetensors',
      { kind: 'url', url: 'http://127.0.0.1:8000/gpt2' },
    ],
    ['./weights/gpt2', { kind: 'dir', path: './weights/gpt2' }],
    ['/srv/models/gpt2', { kind: 'dir', path: '/srv/models/gpt2' }],
    ['weights/gpt2/small', { kind: 'dir', path: 'weights/gpt2/small' }],
    ['weights/gpt2/', { kind: 'dir', path: 'weights/gpt2/' }],
    ['~/models', { kind: 'dir', path: '~/models' }],
    ['C:\\models\\gpt2', { kind: 'dir', path: 'C:\\models\\gpt2' }],
    ['dir:gpt2', { kind: 'dir', path: 'gpt2' }],
    ['my model', { kind: 'dir', path: 'my model' }],
  ];
  it.each(table)('%j', (spec, expected) => {
    const parsed = parseModelSpec(spec);
    expect(parsed).toEqual(expected);
    expect(parseModelSpec(formatModelSpec(parsed)), 'format round-trips').toEqual(parsed);
  });

  it('lets an existing directory win over a hub id', () => {
    expect(parseModelSpec('weights/gpt2')).toEqual(hubSrc('weights/gpt2'));
    expect(parseModelSpec('weights/gpt2', { isDirectory: (p) => p === 'weights/gpt2' })).toEqual({
      kind: 'dir',
      path: 'weights/gpt2',
    });
    expect(formatModelSpec({ kind: 'dir', path: 'weights/gpt2' })).toBe('dir:weights/gpt2');
  });

  it('rejects what cannot be a model', () => {
    expect(() => parseModelSpec('  ')).toThrow(ModelSpecError);
    expect(() => parseModelSpec('hf:../etc')).toThrow(InvalidRepoIdError);
    expect(() => parseModelSpec('hf:gpt2@bad rev')).toThrow(ModelSpecError);
    expect(() => parseModelSpec('ftp://example.com/gpt2')).toThrow(/only http/);
    expect(() => parseModelSpec('https://example.com/gpt2?token=1')).toThrow(/query/);
    expect(() => modelFilesFor('./weights/gpt2')).toThrow(/pick the folder's files/);
    expect(() => modelFilesFor({ kind: 'dir', path: 'my model' })).toThrow(
      /If you meant a hub repo/,
    );
  });
});

describe('validateRepoId', () => {
  it.each(['gpt2', 'openai-community/gpt2', 'distilbert/distilgpt2', 'a/b.c_d-e', 'A1/B2'])(
    'accepts %j',
    (id) => {
      expect(validateRepoId(id)).toBe(id);
    },
  );
  it.each([
    '',
    'a/b/c',
    '../etc',
    'owner/..',
    'a..b/c',
    'a--b/c',
    '-a/b',
    'a/b.',
    'a b/c',
    'owner/',
    '/name',
    'a/b?c',
    'a%2Fb',
    'x'.repeat(97),
  ])('rejects %j', (id) => {
    expect(() => validateRepoId(id)).toThrow(InvalidRepoIdError);
  });

  it('rejects a bad id before any request', async () => {
    const server = await hub();
    expect(() => new HubFiles({ base: server.baseUrl, repo: 'owner/../../etc' })).toThrow(
      /not a Hugging Face repo id/,
    );
    expect(server.requests).toEqual([]);
  });
});

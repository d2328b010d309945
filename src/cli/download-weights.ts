/**
 * Downloads a model's config.json and model.safetensors into weights/<name>/ for
 * self-hosting (serve that folder and open it as a URL) or for the Node CLI:
 *
 *   npm run weights -- openai-community/gpt2 [--revision main] [--base URL] [--out DIR] [--force]
 *
 * The weights go to model.safetensors.part first and are renamed when complete, so a file
 * named model.safetensors is always whole. An interrupted run (Ctrl-C, lost connection)
 * keeps the .part, and the next run continues it with a Range request.
 */
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HttpFiles, type HttpFilesOptions } from '../model/sources/http-files.ts';
import { DEFAULT_HUB_REPO, HubFiles } from '../model/sources/hub-files.ts';
import { nodeHubBase } from '../model/sources/node-dir-files.ts';
import { parseModelSpec } from '../model/sources/resolve-source.ts';
import { formatBytes } from '../util/format.ts';
import { UsageError, httpUrlArg, parseArgs } from './args.ts';

const USAGE = `Usage: npm run weights -- [REPO] [options]

Downloads config.json and model.safetensors of a GPT-2 checkpoint into a folder.

  REPO              hub repo id (default ${DEFAULT_HUB_REPO}), hf:owner/name@revision,
                    or the http(s) URL of a folder holding the two files
  --revision REV    branch, tag or commit of a hub repo (default main)
  --base URL        the hub's address (default $HF_ENDPOINT, else https://huggingface.co)
  --out DIR         where to put the files (default weights/<name>)
  --force           download again even if the files are there
`;

export interface DownloadWeightsIo {
  /** Progress and messages (default process.stderr). */
  stderr?: { write(text: string): unknown; isTTY?: boolean };
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Wait between resume attempts within one run (tests use 0). */
  retryDelayMs?: number;
}

/** Runs the command; returns the exit code (0 done, 1 failed, 2 bad usage, 130 interrupted). */
export async function main(argv: readonly string[], io: DownloadWeightsIo = {}): Promise<number> {
  const err = io.stderr ?? process.stderr;
  const signal = io.signal;
  try {
    const positional = argv.length > 0 && !argv[0].startsWith('--') ? argv[0] : undefined;
    const args = parseArgs(positional === undefined ? argv : argv.slice(1), {
      revision: 'string',
      base: 'string',
      out: 'string',
      force: 'boolean',
      help: 'boolean',
    });
    if (args.get('help')) {
      err.write(USAGE);
      return 0;
    }
    const spec = positional ?? DEFAULT_HUB_REPO;
    let source;
    try {
      source = parseModelSpec(spec);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const http: HttpFilesOptions = {
      fetch: io.fetch,
      retryDelayMs: io.retryDelayMs,
      onResume: ({ at, attempt, reason }) =>
        err.write(
          `\nconnection broke off at ${formatBytes(at)} (${reason}); resuming, attempt ${attempt}\n`,
        ),
    };
    const rawBase = args.get('base');
    const flagBase = typeof rawBase === 'string' ? httpUrlArg('base', rawBase) : undefined;
    const revision = args.get('revision') as string | undefined;
    let files: HttpFiles;
    let name: string;
    if (source.kind === 'hub') {
      files = new HubFiles({
        ...http,
        repo: source.repo,
        revision: revision ?? source.revision,
        base: nodeHubBase(flagBase),
      });
      name = source.repo.split('/').pop()!;
    } else if (source.kind === 'url') {
      if (flagBase !== undefined || revision !== undefined) {
        throw new UsageError('--base and --revision apply to hub repos, not to a URL folder');
      }
      files = new HttpFiles(source.url, http);
      name =
        new URL(source.url).pathname.split('/').filter(Boolean).pop() ??
        new URL(source.url).hostname;
    } else {
      throw new UsageError(
        `"${spec}" is a directory path; give a hub repo id (such as ${DEFAULT_HUB_REPO}) or a URL folder`,
      );
    }
    const out = (args.get('out') as string | undefined) ?? join('weights', name);
    const force = args.get('force') === true;
    await mkdir(out, { recursive: true });
    err.write(`Downloading ${files.description} into ${out}\n`);
    await downloadConfig(files, out, force, err, signal);
    const size = await downloadWeights(files, out, force, err, signal);
    err.write(`Done: ${out} holds config.json and model.safetensors (${formatBytes(size)}).\n`);
    return 0;
  } catch (e) {
    if (signal?.aborted) {
      err.write(
        '\nInterrupted. The partial download is kept: run the same command again to resume.\n',
      );
      return 130;
    }
    if (e instanceof UsageError) {
      err.write(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    err.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

type Err = NonNullable<DownloadWeightsIo['stderr']>;

async function downloadConfig(
  files: HttpFiles,
  out: string,
  force: boolean,
  err: Err,
  signal?: AbortSignal,
): Promise<void> {
  const path = join(out, 'config.json');
  if (!force && (await sizeOf(path)) !== null) {
    err.write('config.json: already there (--force downloads it again)\n');
    return;
  }
  const text = await files.readText('config.json', signal); // checked to be JSON
  await writeFile(`${path}.part`, text);
  await rename(`${path}.part`, path);
  err.write(`config.json: ${formatBytes(new TextEncoder().encode(text).byteLength)}\n`);
}

/** Returns the size of the complete model.safetensors. */
async function downloadWeights(
  files: HttpFiles,
  out: string,
  force: boolean,
  err: Err,
  signal?: AbortSignal,
): Promise<number> {
  const path = join(out, 'model.safetensors');
  const part = `${path}.part`;
  const existing = await sizeOf(path);
  if (!force && existing !== null) {
    err.write('model.safetensors: already there (--force downloads it again)\n');
    return existing;
  }
  if (force) await rm(part, { force: true });
  const have = (await sizeOf(part)) ?? 0;
  const { size, start, stream } = await files.openFrom('model.safetensors', have, signal);
  if (have > 0) {
    err.write(
      start === have
        ? `model.safetensors: resuming at ${formatBytes(have)} of ${formatBytes(size)}\n`
        : 'model.safetensors: the server sent the whole file, starting over\n',
    );
  }
  const handle = await open(part, start > 0 ? 'a' : 'w');
  const progress = progressLine(err, 'model.safetensors', size, start);
  const reader = stream.getReader();
  let written = start;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      for (let off = 0; off < r.value.byteLength;) {
        const { bytesWritten } = await handle.write(r.value, off, r.value.byteLength - off);
        off += bytesWritten;
      }
      written += r.value.byteLength;
      progress.update(written);
    }
  } finally {
    await handle.close();
    reader.releaseLock();
  }
  progress.done(written);
  const onDisk = await sizeOf(part);
  if (onDisk !== size) {
    throw new Error(
      `${part} has ${onDisk} bytes after the download, not ${size}; delete it and run again.`,
    );
  }
  await rename(part, path);
  return size;
}

/** Byte progress: rewritten in place on a terminal, a line every few seconds otherwise. */
function progressLine(err: Err, name: string, total: number, start: number) {
  const began = Date.now();
  let last = 0;
  const line = (n: number) => {
    const seconds = (Date.now() - began) / 1000;
    const rate = seconds > 0 ? ` ${formatBytes((n - start) / seconds)}/s` : '';
    const pct = total > 0 ? ((100 * n) / total).toFixed(1) : '100.0';
    return `${name}: ${formatBytes(n)} / ${formatBytes(total)} (${pct}%)${rate}`;
  };
  return {
    update(n: number): void {
      const now = Date.now();
      if (now - last < (err.isTTY ? 200 : 2000)) return;
      last = now;
      err.write(err.isTTY ? `\r${line(n)}` : `${line(n)}\n`);
    },
    done(n: number): void {
      err.write(err.isTTY ? `\r${line(n)}\n` : `${line(n)}\n`);
    },
  };
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
}

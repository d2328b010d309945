/**
 * A model directory on disk, for the Node CLI and tests (the one source that may use
 * node:* modules; the browser bundle never imports it). Files are read with a FileHandle
 * into a web ReadableStream, chunk by chunk as the loader pulls.
 */
import { open as openFile, readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModelFiles, OpenedFile } from '../model-files.ts';
import { MissingModelFileError } from './errors.ts';
import type { ModelCache } from './cached-files.ts';
import { modelFilesFor, parseModelSpec } from './resolve-source.ts';
import { abortReason } from './util.ts';

const REQUIRED = ['config.json', 'model.safetensors'];
const CHUNK = 1 << 20;

export class NodeDirFiles implements ModelFiles {
  readonly description: string;
  readonly dir: string;

  /** Use `openModelDir` to check the directory first; this constructor touches no disk. */
  constructor(dir: string) {
    this.dir = resolve(dir);
    this.description = `directory ${this.dir}`;
  }

  async readText(name: string, signal?: AbortSignal): Promise<string> {
    try {
      return await readFile(this.pathOf(name), { encoding: 'utf8', signal });
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal);
      throw await this.fileError(name, e);
    }
  }

  async open(name: string, signal?: AbortSignal): Promise<OpenedFile> {
    if (signal?.aborted) throw abortReason(signal);
    const path = this.pathOf(name);
    let handle: Awaited<ReturnType<typeof openFile>>;
    let size: number;
    try {
      handle = await openFile(path, 'r');
      size = (await handle.stat()).size;
    } catch (e) {
      throw await this.fileError(name, e);
    }
    let position = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    let onAbort: (() => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (!signal) return;
        onAbort = () => {
          controller.error(abortReason(signal));
          close().catch(() => undefined);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      },
      async pull(controller) {
        try {
          const want = Math.min(CHUNK, size - position);
          if (want === 0) {
            if (onAbort) signal?.removeEventListener('abort', onAbort);
            await close();
            controller.close();
            return;
          }
          const buffer = new Uint8Array(want);
          const { bytesRead } = await handle.read(buffer, 0, want, position);
          if (signal?.aborted) return; // errored by onAbort
          if (bytesRead === 0) {
            throw new Error(
              `${path} shrank while it was read (${position} of ${size} bytes); is something ` +
                'still writing it? Load it again once it is complete.',
            );
          }
          position += bytesRead;
          controller.enqueue(buffer.subarray(0, bytesRead));
        } catch (e) {
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          await close().catch(() => undefined);
          throw e;
        }
      },
      async cancel() {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        await close();
      },
    });
    return { size, stream, fromCache: false };
  }

  private pathOf(name: string): string {
    if (name.split(/[\\/]/).some((p) => p === '' || p === '.' || p === '..')) {
      throw new TypeError(`"${name}" is not a file name inside a model directory.`);
    }
    return join(this.dir, name);
  }

  private async fileError(name: string, e: unknown): Promise<Error> {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return e as Error;
    const dirError = await checkDir(this.dir);
    if (dirError) return dirError;
    const present = await readdir(this.dir).catch(() => [] as string[]);
    return new MissingModelFileError(
      [name],
      `${this.dir} has no ${name} (it holds: ${present.slice(0, 10).join(', ') || 'nothing'}). ` +
        'A model directory needs config.json and model.safetensors; get them with ' +
        '`npm run weights -- openai-community/gpt2`.',
    );
  }
}

/** The directory, checked: it exists and holds config.json and model.safetensors. */
export async function openModelDir(dir: string): Promise<NodeDirFiles> {
  const files = new NodeDirFiles(dir);
  const dirError = await checkDir(files.dir);
  if (dirError) throw dirError;
  const present = await readdir(files.dir);
  const missing = REQUIRED.filter((f) => !present.includes(f));
  if (missing.length) {
    throw new MissingModelFileError(
      missing,
      `${files.dir} has no ${missing.join(' and ')} (it holds: ${present.slice(0, 10).join(', ') || 'nothing'}). ` +
        'A model directory needs config.json and model.safetensors; get them with ' +
        '`npm run weights -- openai-community/gpt2`.',
    );
  }
  return files;
}

async function checkDir(dir: string): Promise<Error | null> {
  try {
    if ((await stat(dir)).isDirectory()) return null;
    return new MissingModelFileError(
      [],
      `${dir} is a file, not a directory: pass the folder that holds config.json and model.safetensors.`,
    );
  } catch {
    return new MissingModelFileError(
      [],
      `The model directory ${dir} does not exist. Check the path, or download a model there ` +
        'with `npm run weights -- openai-community/gpt2`.',
    );
  }
}

/** The hub's address in Node: the flag, else HF_ENDPOINT (where the Hugging Face tools look
 * for a mirror of the hub), else the default (undefined: huggingface.co). */
export function nodeHubBase(flag?: string): string | undefined {
  return flag ?? (process.env.HF_ENDPOINT || undefined);
}

export interface NodeModelFilesOptions {
  hubBase?: string;
  fetch?: typeof fetch;
  cache?: ModelCache | null;
}

/**
 * A model spec as the Node CLI reads it: a directory (checked), or a hub repo or URL
 * folder. A bare `weights/gpt2` that exists on disk is the directory, not a hub repo.
 */
export async function nodeModelFiles(
  spec: string,
  options: NodeModelFilesOptions = {},
): Promise<ModelFiles> {
  const trimmed = spec.trim();
  const exists = await isDirectory(trimmed);
  const source = parseModelSpec(spec, { isDirectory: (p) => exists && p === trimmed });
  if (source.kind === 'dir') return openModelDir(source.path);
  return modelFilesFor(source, { ...options, hubBase: nodeHubBase(options.hubBase) });
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

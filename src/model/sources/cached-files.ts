/**
 * Keeps a model's files in browser storage (Cache Storage) so a second visit does not
 * download half a gigabyte again. A miss downloads and stores at the same time: each chunk
 * the loader reads is also handed to the cache, so memory stays bounded by the loader's
 * pace (a plain `tee()` would buffer the whole file if the loader is slower than the
 * cache). An entry is committed only once all of its announced bytes went through; a
 * failed, aborted or short download rejects the cache write and leaves nothing behind.
 */
import type { ModelFiles, OpenedFile } from '../model-files.ts';
import { CacheUnavailableError } from './errors.ts';

export const MODEL_CACHE_NAME = 'gpt2-models-v1';

/** The part of the Cache API used here; a browser `Cache` fits it, tests use a Map. */
export interface ModelCache {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  delete(request: string): Promise<boolean>;
  keys(): Promise<ReadonlyArray<{ readonly url: string }>>;
}

/** Opens this app's cache in Cache Storage (browsers only, secure origins). */
export async function openModelCache(): Promise<ModelCache> {
  if (typeof caches === 'undefined') {
    throw new CacheUnavailableError(
      'Cache Storage is not available here (it needs https:// or localhost, and some private ' +
        'windows turn it off), so models will download again on every visit.',
    );
  }
  try {
    return await caches.open(MODEL_CACHE_NAME);
  } catch (e) {
    throw new CacheUnavailableError(
      `Cache Storage refused to open (${(e as Error).message}), so models will download again ` +
        'on every visit. Check the site data settings of the browser.',
      { cause: e },
    );
  }
}

/** Stored with each entry, so the list of cached models needs no body reads. */
const H_FOLDER = 'x-model-folder';
const H_DESCRIPTION = 'x-model-description';
const H_SIZE = 'x-model-file-size';
const H_STORED = 'x-model-stored-at';

export interface CachedFilesOptions {
  /**
   * Identifies the model in the cache: an http(s) URL (the Cache API keys on URLs), normally
   * the folder the files come from. Files are stored under `${folderUrl}/${name}`.
   */
  folderUrl: string;
  /** Told when a download succeeded but could not be stored (disk quota, ...). */
  onWarning?: (message: string) => void;
}

export class CachedFiles implements ModelFiles {
  readonly description: string;
  readonly folderUrl: string;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly inner: ModelFiles,
    private readonly cache: ModelCache,
    options: CachedFilesOptions,
  ) {
    this.folderUrl = normalizeFolderUrl(options.folderUrl);
    this.description = inner.description;
    this.warn = options.onWarning ?? ((m) => console.warn(m));
  }

  keyOf(name: string): string {
    return `${this.folderUrl}/${name.split('/').map(encodeURIComponent).join('/')}`;
  }

  async readText(name: string, signal?: AbortSignal): Promise<string> {
    const key = this.keyOf(name);
    const hit = await this.lookup(key);
    if (hit) {
      const bytes = new Uint8Array(await hit.response.arrayBuffer());
      if (bytes.byteLength === hit.size) return new TextDecoder().decode(bytes);
      await this.cache.delete(key);
    }
    const text = await this.inner.readText(name, signal);
    const bytes = new TextEncoder().encode(text);
    try {
      await this.cache.put(key, new Response(bytes, { headers: this.headers(bytes.byteLength) }));
    } catch (e) {
      await this.cache.delete(key).catch(() => false);
      this.warn(storeFailed(name, e));
    }
    return text;
  }

  async open(name: string, signal?: AbortSignal): Promise<OpenedFile> {
    const key = this.keyOf(name);
    const hit = await this.lookup(key);
    if (hit?.response.body) {
      return {
        size: hit.size,
        stream: this.checkedHit(key, name, hit.size, hit.response.body),
        fromCache: true,
      };
    }
    const opened = await this.inner.open(name, signal);
    return { size: opened.size, stream: this.storing(key, name, opened), fromCache: false };
  }

  /** A usable entry, or undefined; an entry without our metadata is removed. */
  private async lookup(key: string): Promise<{ response: Response; size: number } | undefined> {
    const response = await this.cache.match(key);
    if (!response) return undefined;
    const size = Number(response.headers.get(H_SIZE));
    if (response.headers.get(H_SIZE) === null || !Number.isSafeInteger(size) || size < 0) {
      await response.body?.cancel();
      await this.cache.delete(key);
      return undefined;
    }
    return { response, size };
  }

  private headers(size: number): Record<string, string> {
    return {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      [H_FOLDER]: this.folderUrl,
      [H_DESCRIPTION]: encodeURIComponent(this.description),
      [H_SIZE]: String(size),
      [H_STORED]: new Date().toISOString(),
    };
  }

  /** A cache hit that turns out shorter or longer than stored is damaged: say so, drop it. */
  private checkedHit(
    key: string,
    name: string,
    size: number,
    body: ReadableStream<Uint8Array>,
  ): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    const cache = this.cache;
    let count = 0;
    const damaged = async () => {
      await cache.delete(key).catch(() => false);
      return new Error(
        `The copy of ${name} stored in this browser is damaged (${count} bytes read, ${size} ` +
          'expected). It has been removed: load the model again to download it afresh.',
      );
    };
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const r = await reader.read();
        if (r.done) {
          if (count !== size) throw await damaged();
          controller.close();
          return;
        }
        count += r.value.byteLength;
        if (count > size) {
          reader.cancel().catch(() => undefined);
          throw await damaged();
        }
        controller.enqueue(r.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
  }

  /**
   * Passes the download through to the consumer and copies each chunk into a cache write.
   * The consumer's stream closes only after the write is committed, so "loaded" means
   * "stored" too.
   */
  private storing(key: string, name: string, opened: OpenedFile): ReadableStream<Uint8Array> {
    const { size } = opened;
    const reader = opened.stream.getReader();
    let toCache!: ReadableStreamDefaultController<Uint8Array>;
    let cacheOpen = true;
    let downloadFailed = false;
    let count = 0;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        toCache = c;
      },
    });
    const cache = this.cache;
    // Handled at once: the write may fail (quota) long before the download ends.
    const stored: Promise<unknown> = cache
      .put(key, new Response(body, { headers: this.headers(size) }))
      .then(
        () => null,
        async (e: unknown) => {
          cacheOpen = false;
          await cache.delete(key).catch(() => false);
          return e ?? new Error('cache write failed');
        },
      );
    const failCache = (reason: unknown) => {
      downloadFailed = true;
      if (!cacheOpen) return;
      cacheOpen = false;
      try {
        toCache.error(reason);
      } catch {
        // already closed by the cache side
      }
    };
    const warn = this.warn;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          failCache(e);
          await stored;
          throw e;
        }
        if (r.done) {
          if (count !== size) {
            const e = new Error(
              `${name} ended after ${count} of the ${size} bytes announced; the download is incomplete. ` +
                'Load the model again.',
            );
            failCache(e);
            await stored;
            throw e;
          }
          if (cacheOpen) {
            cacheOpen = false;
            toCache.close();
          }
          const failure = await stored;
          if (failure !== null && !downloadFailed) warn(storeFailed(name, failure));
          controller.close();
          return;
        }
        count += r.value.byteLength;
        if (cacheOpen) {
          try {
            // A copy: the consumer may transfer or reuse its chunk before the cache reads it.
            toCache.enqueue(r.value.slice());
          } catch {
            cacheOpen = false; // the cache side gave up; `stored` reports why
          }
        }
        controller.enqueue(r.value);
      },
      async cancel(reason) {
        failCache(reason ?? new Error('download cancelled'));
        await reader.cancel(reason);
        await stored;
      },
    });
  }
}

/** As the Cache API will spell it in `keys()` (lowercase host, encoded path), minus a final "/". */
function normalizeFolderUrl(folderUrl: string): string {
  let url: URL | null = null;
  try {
    url = new URL(folderUrl);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError(`A cached model is keyed by an http(s) URL; got "${folderUrl}".`);
  }
  return url.href.replace(/\/+$/, '');
}

function storeFailed(name: string, e: unknown): string {
  const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return (
    `${name} was downloaded but could not be stored in this browser (${why}); it will ` +
    'download again next visit. Free some disk space or allow this site more storage.'
  );
}

export interface CachedModel {
  /** The key passed to deleteCachedModel. */
  folderUrl: string;
  description: string;
  files: { name: string; size: number }[];
  bytes: number;
  /** When the newest file was stored. */
  storedAt: Date | null;
}

/** The models in `cache`, one entry per folder, for a "stored models" list in the UI. */
export async function listCachedModels(cache: ModelCache): Promise<CachedModel[]> {
  const models = new Map<string, CachedModel>();
  for (const request of await cache.keys()) {
    const response = await cache.match(request.url);
    if (!response) continue;
    await response.body?.cancel();
    const folderUrl = response.headers.get(H_FOLDER);
    if (!folderUrl || !request.url.startsWith(`${folderUrl}/`)) continue; // not ours
    const size = Number(response.headers.get(H_SIZE) ?? NaN);
    const stored = new Date(response.headers.get(H_STORED) ?? '');
    let model = models.get(folderUrl);
    if (!model) {
      const description = response.headers.get(H_DESCRIPTION);
      model = {
        folderUrl,
        description: description ? decodeURIComponent(description) : folderUrl,
        files: [],
        bytes: 0,
        storedAt: null,
      };
      models.set(folderUrl, model);
    }
    const name = request.url
      .slice(folderUrl.length + 1)
      .split('/')
      .map(decodeURIComponent)
      .join('/');
    model.files.push({ name, size });
    if (Number.isFinite(size)) model.bytes += size;
    if (!Number.isNaN(stored.getTime()) && (!model.storedAt || stored > model.storedAt)) {
      model.storedAt = stored;
    }
  }
  for (const m of models.values()) m.files.sort((a, b) => a.name.localeCompare(b.name));
  return [...models.values()];
}

/** Removes every stored file of the model at `folderUrl`; returns how many were removed. */
export async function deleteCachedModel(cache: ModelCache, folderUrl: string): Promise<number> {
  const prefix = `${normalizeFolderUrl(folderUrl)}/`;
  let removed = 0;
  for (const request of await cache.keys()) {
    if (request.url.startsWith(prefix) && (await cache.delete(request.url))) removed++;
  }
  return removed;
}

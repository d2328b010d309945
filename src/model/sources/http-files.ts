/**
 * A model folder at a base URL: `${base}/${name}`, fetched with `fetch`. Checks that what
 * arrives is the file (not a web page or a Git LFS pointer), needs the size up front (the
 * loader allocates GPU buffers from the header before the bytes arrive), and resumes a
 * download that breaks off with `Range: bytes=N-` so a dropped connection at 90% of a
 * 500 MB checkpoint does not start over. A download that cannot be completed errors the
 * stream: the consumer never sees a short file end normally.
 */
import type { ModelFiles, OpenedFile } from '../model-files.ts';
import { DownloadError, NotModelFileError } from './errors.ts';
import { abortReason, formatBytes, sleep } from './util.ts';

export interface HttpFilesOptions {
  /** Defaults to the global fetch (tests inject their own to count or fail requests). */
  fetch?: typeof fetch;
  /** Resume requests tried in a row, without a byte arriving in between, before giving up. */
  maxResumeAttempts?: number;
  /** Wait before the k-th resume attempt in a row: k * retryDelayMs. */
  retryDelayMs?: number;
  description?: string;
  /** Told before each resume request (the CLI prints it; a UI may show "reconnecting"). */
  onResume?: (info: { url: string; at: number; attempt: number; reason: string }) => void;
}

/** Part of a file: `stream` delivers bytes `start .. size - 1` of a file of `size` bytes. */
export interface RangedFile {
  size: number;
  start: number;
  stream: ReadableStream<Uint8Array>;
}

type Reader = ReadableStreamDefaultReader<Uint8Array>;

const LFS_POINTER_PREFIX = 'version https://git-lfs.github.com/spec/';
/** Enough of the body to tell a web page or an LFS pointer from the file. */
const SNIFF_BYTES = 64;

export class HttpFiles implements ModelFiles {
  readonly description: string;
  /** The folder, without a trailing slash. */
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly maxResumeAttempts: number;
  private readonly retryDelayMs: number;
  private readonly onResume: HttpFilesOptions['onResume'];

  constructor(baseUrl: string, options: HttpFilesOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.description = options.description ?? this.baseUrl;
    const f = options.fetch ?? globalThis.fetch;
    // Unbound, a browser's fetch throws "Illegal invocation".
    this.fetchImpl = (input, init) => f.call(globalThis, input, init);
    this.maxResumeAttempts = options.maxResumeAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.onResume = options.onResume;
  }

  /** The URL of `name` (a path inside the folder, each segment percent-encoded). */
  urlOf(name: string): string {
    const parts = name.split('/');
    if (name.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new TypeError(
        `"${name}" is not a file name inside a model folder (no empty, "." or ".." parts, no "\\").`,
      );
    }
    return `${this.baseUrl}/${parts.map(encodeURIComponent).join('/')}`;
  }

  async readText(name: string, signal?: AbortSignal): Promise<string> {
    const url = this.urlOf(name);
    const res = await this.request(url, 0, signal);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal);
      throw new DownloadError(
        url,
        res.status,
        'truncated',
        `The download of ${url} broke off (${describeCause(e)}). Check the connection and try again.`,
        { cause: e },
      );
    }
    checkText(url, name, text, res.headers.get('content-type'));
    return text;
  }

  async open(name: string, signal?: AbortSignal): Promise<OpenedFile> {
    const { size, stream } = await this.openFrom(name, 0, signal);
    return { size, stream, fromCache: false };
  }

  /**
   * Like `open`, but asks for the bytes from `start` on (the CLI continuing a partial file
   * from an earlier run). `start` in the result is where the stream really begins: 0 when the
   * server sent the whole file instead, and the caller must then start its copy over.
   */
  async openFrom(name: string, start: number, signal?: AbortSignal): Promise<RangedFile> {
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new RangeError(`openFrom: start must be a whole number >= 0, got ${start}`);
    }
    const url = this.urlOf(name);
    let res = await this.request(url, start, signal);
    if (res.status === 416) {
      // Our partial copy is not a prefix of this file (it is at least as long): start over.
      await res.body?.cancel();
      res = await this.request(url, 0, signal);
    }
    let from = 0;
    let size = -1;
    // Told after sniffing: "this is a web page" is the more useful message than "no size".
    let sizeError: unknown = null;
    try {
      if (isHtml(res.headers.get('content-type'))) throw htmlError(url, name);
      if (res.status === 206) {
        const range = parseContentRange(res.headers.get('content-range'));
        if (!range || range.start !== start || range.end !== range.total - 1) {
          throw new DownloadError(
            url,
            206,
            'http',
            `${url} answered a request for bytes ${start}- with ` +
              `"${res.headers.get('content-range') ?? 'no Content-Range'}". The server's Range ` +
              'support is broken; delete the partial file and download again.',
          );
        }
        from = start;
        size = range.total;
      } else {
        try {
          size = declaredSize(url, name, res);
        } catch (e) {
          sizeError = e;
        }
      }
    } catch (e) {
      await res.body?.cancel().catch(() => undefined);
      throw e;
    }
    if (!res.body) {
      throw new DownloadError(url, res.status, 'http', `${url} answered without a body.`);
    }
    const reader = res.body.getReader();
    const head = await readPrefix(reader, SNIFF_BYTES, signal);
    try {
      if (from === 0) sniffBinary(url, name, concat(head.chunks));
      if (sizeError) throw sizeError;
    } catch (e) {
      await reader.cancel().catch(() => undefined);
      throw e;
    }
    const stream = this.resumingStream(
      url,
      size,
      from,
      reader,
      head,
      res.headers.get('etag'),
      signal,
    );
    return { size, start: from, stream };
  }

  /** A GET (with `Range: bytes=start-` when start > 0); a 2xx, or a 416 to a Range request. */
  private async request(url: string, start: number, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        signal,
        headers: start > 0 ? { Range: `bytes=${start}-` } : {},
      });
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal);
      throw networkError(url, e);
    }
    if (res.ok || (start > 0 && res.status === 416)) return res;
    await res.body?.cancel().catch(() => undefined);
    throw statusError(url, res);
  }

  private resumingStream(
    url: string,
    size: number,
    from: number,
    first: Reader,
    head: Prefix,
    etag: string | null,
    signal?: AbortSignal,
  ): ReadableStream<Uint8Array> {
    let reader = first;
    let loaded = from + head.chunks.reduce((n, c) => n + c.byteLength, 0);
    let failures = 0; // resume attempts since the last byte arrived
    const pending = [...head.chunks];
    let broken = head.broken;
    let onAbort: (() => void) | undefined;
    const detach = () => {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    };

    const truncated = (why: string, cause?: unknown) =>
      new DownloadError(
        url,
        null,
        'truncated',
        `The download of ${url} broke off after ${loaded} of ${size} bytes ` +
          `(${formatBytes(loaded)} of ${formatBytes(size)}) and could not be resumed: ${why}. ` +
          'Check the connection and load the model again.',
        cause === undefined ? undefined : { cause },
      );

    const resume = async (cause: unknown): Promise<Reader> => {
      reader.cancel().catch(() => undefined);
      let last = describeCause(cause);
      while (failures < this.maxResumeAttempts) {
        failures++;
        this.onResume?.({ url, at: loaded, attempt: failures, reason: last });
        await sleep(this.retryDelayMs * failures, signal);
        let res: Response;
        try {
          res = await this.fetchImpl(url, { signal, headers: { Range: `bytes=${loaded}-` } });
        } catch (e) {
          if (signal?.aborted) throw abortReason(signal);
          last = describeCause(e);
          continue;
        }
        if (res.status === 206 && res.body) {
          const header = res.headers.get('content-range');
          const range = parseContentRange(header);
          if (!range || range.start !== loaded || range.end !== size - 1 || range.total !== size) {
            await res.body.cancel().catch(() => undefined);
            throw truncated(
              `the server answered the resume request with "${header ?? 'no Content-Range'}"`,
            );
          }
          const etag2 = res.headers.get('etag');
          if (etag && etag2 && stripWeak(etag) !== stripWeak(etag2)) {
            await res.body.cancel().catch(() => undefined);
            throw truncated('the file changed on the server during the download');
          }
          return res.body.getReader();
        }
        await res.body?.cancel().catch(() => undefined);
        if (res.status >= 500 || res.status === 429 || res.status === 408) {
          last = `HTTP ${res.status}`;
          continue;
        }
        if (res.status === 200) {
          throw truncated(
            'the server ignores Range requests (it answered with the whole file again)',
          );
        }
        throw truncated(`the resume request got HTTP ${res.status}`);
      }
      throw truncated(
        this.maxResumeAttempts === 0
          ? `resuming is off (${last})`
          : `${this.maxResumeAttempts} attempts to resume failed (last: ${last})`,
        cause,
      );
    };

    return new ReadableStream<Uint8Array>({
      start(controller) {
        if (!signal) return;
        onAbort = () => {
          controller.error(abortReason(signal));
          reader.cancel(abortReason(signal)).catch(() => undefined);
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      },
      async pull(controller) {
        const next = pending.shift();
        if (next) {
          controller.enqueue(next);
          return;
        }
        try {
          for (;;) {
            if (broken !== undefined) {
              const cause = broken;
              broken = undefined;
              reader = await resume(cause);
              continue;
            }
            let r: ReadableStreamReadResult<Uint8Array>;
            try {
              r = await reader.read();
            } catch (e) {
              if (signal?.aborted) throw abortReason(signal);
              reader = await resume(e);
              continue;
            }
            if (signal?.aborted) return; // the stream is already errored by onAbort
            if (r.done) {
              if (loaded === size) {
                detach();
                controller.close();
                return;
              }
              reader = await resume(new Error(`the body ended after ${loaded} of ${size} bytes`));
              continue;
            }
            if (loaded + r.value.byteLength > size) {
              throw new DownloadError(
                url,
                null,
                'http',
                `${url} sent more than the ${size} bytes it announced. The server is ` +
                  'misbehaving (or the file changed while downloading); load the model again.',
              );
            }
            loaded += r.value.byteLength;
            failures = 0;
            controller.enqueue(r.value);
            return;
          }
        } catch (e) {
          detach();
          reader.cancel().catch(() => undefined);
          throw e;
        }
      },
      cancel(reason) {
        detach();
        return reader.cancel(reason);
      },
    });
  }
}

export function parseContentRange(
  header: string | null,
): { start: number; end: number; total: number } | null {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim()) : null;
  if (!m) return null;
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return start <= end && end < total ? { start, end, total } : null;
}

function declaredSize(url: string, name: string, res: Response): number {
  const encoding = res.headers.get('content-encoding');
  if (encoding && encoding.toLowerCase() !== 'identity') {
    throw new DownloadError(
      url,
      res.status,
      'no-size',
      `${url} arrived compressed (Content-Encoding: ${encoding}), so the size of ${name} is not ` +
        'known before it is all read, and the loader needs it up front. Serve the file ' +
        'uncompressed (turn off gzip/brotli for .safetensors files).',
    );
  }
  const raw = res.headers.get('content-length');
  const size = raw === null ? NaN : Number(raw);
  if (!Number.isSafeInteger(size) || size < 0 || raw?.trim() === '') {
    throw new DownloadError(
      url,
      res.status,
      'no-size',
      `${url} did not say how big ${name} is (${raw === null ? 'no Content-Length header' : `Content-Length "${raw}"`}), ` +
        'and the loader needs the size up front. Serve it from a server that sends ' +
        'Content-Length (any static file server does).',
    );
  }
  return size;
}

function statusError(url: string, res: Response): DownloadError {
  const s = res.status;
  const text = `${s}${res.statusText ? ` ${res.statusText}` : ''}`;
  // The hub says which part of the path is wrong.
  const code = res.headers.get('x-error-code');
  if (s === 404) {
    const what =
      code === 'RepoNotFound'
        ? 'no such repo'
        : code === 'RevisionNotFound'
          ? 'no such revision'
          : code === 'EntryNotFound'
            ? 'the repo has no such file'
            : 'no such file or repo';
    return new DownloadError(
      url,
      s,
      'not-found',
      `${url} answered 404 (${what}). Check the repo id (or URL), the revision and that the ` +
        'folder has config.json and model.safetensors' +
        (url.endsWith('/model.safetensors')
          ? ' (a repo with only pytorch_model.bin or sharded model-0000x-of-0000y.safetensors ' +
            'files cannot be read here).'
          : '.'),
    );
  }
  if (s === 401 || s === 403) {
    return new DownloadError(
      url,
      s,
      'denied',
      `${url} answered ${text}: the repo is gated or private` +
        (code === 'GatedRepo'
          ? ''
          : ', or does not exist (the hub answers 401 for repos it will not show)') +
        '. Check the repo id; for a gated model, accept its terms on huggingface.co, download ' +
        'the files with your account and open them from disk.',
    );
  }
  if (s === 429) {
    return new DownloadError(
      url,
      s,
      'rate-limited',
      `${url} answered 429: too many requests. Wait a minute, then load the model again.`,
    );
  }
  if (s >= 500) {
    return new DownloadError(
      url,
      s,
      'server',
      `${url} answered ${text}: trouble on the server's side. Try again in a moment.`,
    );
  }
  return new DownloadError(
    url,
    s,
    'http',
    `${url} answered ${text} instead of the file. Check the URL.`,
  );
}

function networkError(url: string, e: unknown): DownloadError {
  return new DownloadError(
    url,
    null,
    'network',
    `Could not download ${url} (${describeCause(e)}). Check the internet connection and that ` +
      'the server is up; in a browser this is also how a server that does not allow this site ' +
      '(CORS) looks.',
    { cause: e },
  );
}

function htmlError(url: string, name: string): NotModelFileError {
  return new NotModelFileError(
    url,
    'html',
    `${url} is a web page (HTML), not ${name}. The URL probably points at a page about the ` +
      'file rather than the file (on the hub, /resolve/ URLs serve files, /blob/ URLs pages), ' +
      'or at a login or error page.',
  );
}

function lfsError(url: string, name: string, pointer: string): NotModelFileError {
  const size = /\nsize (\d+)/.exec(pointer);
  return new NotModelFileError(
    url,
    'lfs-pointer',
    `${url} is a Git LFS pointer, not ${name}: the server hands out the repo's git text ` +
      `instead of the stored file${size ? ` (the real file is ${formatBytes(Number(size[1]))})` : ''}. ` +
      'On the hub use a /resolve/ URL; in a cloned repo run `git lfs pull` first.',
  );
}

function isHtml(contentType: string | null): boolean {
  return contentType !== null && /\btext\/html\b/i.test(contentType);
}

function checkText(url: string, name: string, text: string, contentType: string | null): void {
  const start = text.trimStart();
  if (start.startsWith(LFS_POINTER_PREFIX)) throw lfsError(url, name, start);
  if (isHtml(contentType) || start.startsWith('<')) throw htmlError(url, name);
  if (name.endsWith('.json')) {
    try {
      JSON.parse(text);
    } catch (e) {
      throw new NotModelFileError(
        url,
        'not-json',
        `${url} should be JSON (${name}) but does not parse (${describeCause(e)}); it starts ` +
          `with ${JSON.stringify(start.slice(0, 40))}. Check that the URL points at the model's ${name}.`,
        { cause: e },
      );
    }
  }
}

/**
 * A binary file's first bytes. A safetensors file starts with its header length as a
 * little-endian u64, so bytes 4..7 are zero for any real header: a "<" followed by text is
 * a page, never a checkpoint.
 */
function sniffBinary(url: string, name: string, head: Uint8Array): void {
  const text = String.fromCharCode(...head.subarray(0, 1024)); // a pointer is ~130 bytes
  if (text.startsWith(LFS_POINTER_PREFIX)) throw lfsError(url, name, text);
  let i = 0;
  while (i < head.length && i < 16 && [0x09, 0x0a, 0x0d, 0x20].includes(head[i])) i++;
  if (head[i] !== 0x3c) return; // '<'
  const after = head.subarray(i + 1, i + 8);
  if (
    after.length >= 3 &&
    after.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d)
  ) {
    throw htmlError(url, name);
  }
}

/** The first bytes of a body; `broken` holds the error if it broke off while reading them. */
interface Prefix {
  chunks: Uint8Array[];
  broken?: unknown;
}

async function readPrefix(reader: Reader, atLeast: number, signal?: AbortSignal): Promise<Prefix> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (n < atLeast) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal);
      return { chunks, broken: e }; // the stream resumes it
    }
    if (r.done) break;
    chunks.push(r.value);
    n += r.value.byteLength;
  }
  return { chunks };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

function stripWeak(etag: string): string {
  return etag.replace(/^W\//, '');
}

/** Node's fetch hides the useful part in `cause` ("terminated" <- "other side closed"). */
export function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause.message : '';
  return cause && cause !== e.message ? `${e.message}: ${cause}` : e.message;
}

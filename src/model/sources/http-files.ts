/**
 * A model folder at a base URL: `${base}/${name}`, fetched with `fetch`. Checks that what
 * arrives is the file (not a web page or a Git LFS pointer), needs the size up front (the
 * loader allocates GPU buffers from the header before the bytes arrive), and resumes a
 * download that breaks off (resuming-stream.ts). How each answer is judged (status,
 * size, web page or LFS pointer instead of the file) is in http-answers.ts.
 */
import type { ModelFiles, OpenedFile } from '../model-files.ts';
import { DownloadError } from './errors.ts';
import {
  checkText,
  declaredSize,
  describeCause,
  htmlError,
  isHtml,
  networkError,
  parseContentRange,
  sniffBinary,
  statusError,
} from './http-answers.ts';
import { readPrefix, resumingStream, type ResumeInfo } from './resuming-stream.ts';
import { abortReason } from './util.ts';

export interface HttpFilesOptions {
  /** Defaults to the global fetch (tests inject their own to count or fail requests). */
  fetch?: typeof fetch;
  /** Resume requests tried in a row, without a byte arriving in between, before giving up. */
  maxResumeAttempts?: number;
  /** Wait before the k-th resume attempt in a row: k * retryDelayMs. */
  retryDelayMs?: number;
  description?: string;
  /** Told before each resume request (the CLI prints it; a UI may show "reconnecting"). */
  onResume?: (info: ResumeInfo) => void;
}

/** Part of a file: `stream` delivers bytes `start .. size - 1` of a file of `size` bytes. */
export interface RangedFile {
  size: number;
  start: number;
  stream: ReadableStream<Uint8Array>;
}

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
    const stream = resumingStream({
      url,
      size,
      from,
      reader,
      head,
      etag: res.headers.get('etag'),
      fetch: this.fetchImpl,
      maxAttempts: this.maxResumeAttempts,
      retryDelayMs: this.retryDelayMs,
      onResume: this.onResume,
      signal,
    });
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

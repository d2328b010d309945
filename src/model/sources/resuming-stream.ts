/**
 * The body of one HTTP download as a stream that survives a dropped connection: when the
 * body breaks off (or ends short of the announced size) it asks again with
 * `Range: bytes=N-` and goes on from byte N, so a dropped connection at 90% of a 500 MB
 * checkpoint does not start over. It gives up with a `truncated` DownloadError after
 * `maxAttempts` resume requests in a row without a byte arriving; the consumer never sees a
 * short file end normally. Aborting is left to `abortableStream`, which wraps it.
 */
import { DownloadError } from './errors.ts';
import { describeCause, parseContentRange } from './http-answers.ts';
import { formatBytes } from '../../util/format.ts';
import { abortReason, abortableStream, sleep } from './util.ts';

type Reader = ReadableStreamDefaultReader<Uint8Array>;

/** The first bytes of a body; `broken` holds the error if it broke off while reading them. */
export interface Prefix {
  chunks: Uint8Array[];
  broken?: unknown;
}

export interface ResumeInfo {
  url: string;
  at: number;
  attempt: number;
  reason: string;
}

export interface ResumingStreamOptions {
  url: string;
  /** The whole file's size (the stream ends exactly there). */
  size: number;
  /** Where the first response's body starts in the file. */
  from: number;
  /** The first response's body, with the bytes already read from it (`head`). */
  reader: Reader;
  head: Prefix;
  /** The first response's ETag: a resume answered for another version of the file fails. */
  etag: string | null;
  fetch: typeof fetch;
  maxAttempts: number;
  /** Wait before the k-th resume attempt in a row: k * retryDelayMs. */
  retryDelayMs: number;
  onResume?: (info: ResumeInfo) => void;
  signal?: AbortSignal;
}

/** Reads at least `atLeast` bytes of a body (fewer if it ends); a break is kept, not thrown. */
export async function readPrefix(
  reader: Reader,
  atLeast: number,
  signal?: AbortSignal,
): Promise<Prefix> {
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

export function resumingStream(o: ResumingStreamOptions): ReadableStream<Uint8Array> {
  const { url, size, signal } = o;
  let reader = o.reader;
  let loaded = o.from + o.head.chunks.reduce((n, c) => n + c.byteLength, 0);
  let failures = 0; // resume attempts since the last byte arrived
  const pending = [...o.head.chunks];
  let broken = o.head.broken;

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
    while (failures < o.maxAttempts) {
      failures++;
      o.onResume?.({ url, at: loaded, attempt: failures, reason: last });
      await sleep(o.retryDelayMs * failures, signal);
      let res: Response;
      try {
        res = await o.fetch(url, { signal, headers: { Range: `bytes=${loaded}-` } });
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
        if (o.etag && etag2 && stripWeak(o.etag) !== stripWeak(etag2)) {
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
      o.maxAttempts === 0
        ? `resuming is off (${last})`
        : `${o.maxAttempts} attempts to resume failed (last: ${last})`,
      cause,
    );
  };

  const stream = new ReadableStream<Uint8Array>({
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
          if (r.done) {
            if (loaded === size) {
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
        reader.cancel().catch(() => undefined);
        throw e;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return abortableStream(stream, signal);
}

function stripWeak(etag: string): string {
  return etag.replace(/^W\//, '');
}

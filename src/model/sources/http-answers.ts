/**
 * How a server's answer is read: which status means what (the hub's x-error-code says which
 * part of a path is wrong), the size a body announces, and whether what arrived is the file
 * at all rather than a web page, a Git LFS pointer or JSON that does not parse. Each
 * verdict is an error whose message says what to do.
 */
import { DownloadError, NotModelFileError } from './errors.ts';
import { formatBytes } from '../../util/format.ts';

const LFS_POINTER_PREFIX = 'version https://git-lfs.github.com/spec/';

export function parseContentRange(
  header: string | null,
): { start: number; end: number; total: number } | null {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim()) : null;
  if (!m) return null;
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return start <= end && end < total ? { start, end, total } : null;
}

export function declaredSize(url: string, name: string, res: Response): number {
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

export function statusError(url: string, res: Response): DownloadError {
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

export function networkError(url: string, e: unknown): DownloadError {
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

export function htmlError(url: string, name: string): NotModelFileError {
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

export function isHtml(contentType: string | null): boolean {
  return contentType !== null && /\btext\/html\b/i.test(contentType);
}

export function checkText(
  url: string,
  name: string,
  text: string,
  contentType: string | null,
): void {
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
export function sniffBinary(url: string, name: string, head: Uint8Array): void {
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

/** Node's fetch hides the useful part in `cause` ("terminated" <- "other side closed"). */
export function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause.message : '';
  return cause && cause !== e.message ? `${e.message}: ${cause}` : e.message;
}

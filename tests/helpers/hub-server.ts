/**
 * A local stand-in for the Hugging Face hub: serves `/{repo}/resolve/{revision}/{file}` on
 * 127.0.0.1 with Content-Length, ETag and Range support, and can misbehave on purpose, per
 * file, in the ways real downloads do. Plain Node (no test-runner imports), so Playwright
 * scripts can start it too. CORS is open so a page on another local port can fetch from it.
 *
 *   const hub = await startHubServer({ 'openai-community/gpt2/config.json': '{}' });
 *   new HubFiles({ base: hub.baseUrl });   ...   await hub.close();
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How one file misbehaves. Without `failFirst`, on every request. */
export interface FileFault {
  /** Answer with this status (and a short text body) instead of the file. */
  status?: number;
  /** Answer 200 with an HTML page instead of the file. */
  html?: boolean;
  /** Answer 200 with a Git LFS pointer instead of the file. */
  lfsPointer?: boolean;
  /** Declare the full Content-Length, send this many body bytes, then destroy the socket. */
  truncateAfter?: number;
  /** Send this many body bytes, then nothing more (until the client gives up or close()). */
  stallAfter?: number;
  /** Answer Range requests with 200 and the whole file. */
  ignoreRange?: boolean;
  /** Send the body chunked, without Content-Length. */
  noContentLength?: boolean;
  /**
   * Misbehave on the first K requests for the file only, then serve it properly. With no
   * other fault set, those requests get a 503.
   */
  failFirst?: number;
}

export interface HubServerOptions {
  faults?: Record<string, FileFault>;
  /** Revisions that exist (default ['main']); each serves the same files. */
  revisions?: string[];
}

export interface HubServer {
  /** http://127.0.0.1:PORT, the `base` for HubFiles. */
  baseUrl: string;
  /** "GET /owner/name/resolve/main/file" plus " bytes=N-" for Range requests, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** `files` are keyed "owner/name/file" (or "name/file" for a legacy bare repo). */
export async function startHubServer(
  files: Record<string, Uint8Array | string>,
  options: HubServerOptions = {},
): Promise<HubServer> {
  const bodies = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(files)) {
    bodies.set(key, typeof value === 'string' ? new TextEncoder().encode(value) : value);
  }
  const revisions = new Set(options.revisions ?? ['main']);
  const faults = options.faults ?? {};
  const served = new Map<string, number>();
  const requests: string[] = [];

  const server = createServer((req, res) => {
    const remote = req.socket.remoteAddress ?? '';
    if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remote)) {
      req.socket.destroy();
      return;
    }
    const range = req.headers.range;
    requests.push(`${req.method} ${req.url}${range ? ` ${range}` : ''}`);
    try {
      handle(req, res);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`hub-server: ${String(e)}`);
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader(
      'access-control-expose-headers',
      'content-length, content-range, etag, accept-ranges, x-error-code',
    );
    if (req.method === 'OPTIONS') {
      res
        .writeHead(204, {
          'access-control-allow-methods': 'GET, HEAD',
          'access-control-allow-headers': 'range, if-range',
          'access-control-max-age': '600',
        })
        .end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!m) return notFound(res, 'EntryNotFound', 'not a /{repo}/resolve/{revision}/{file} path');
    const [repo, revision, file] = [m[1], m[2], m[3]].map(decodeURIComponent);
    const key = `${repo}/${file}`;
    if (![...bodies.keys()].some((k) => k.startsWith(`${repo}/`))) {
      return notFound(res, 'RepoNotFound', `Repository ${repo} not found`);
    }
    if (!revisions.has(revision)) {
      return notFound(res, 'RevisionNotFound', `Revision ${revision} not found`);
    }
    const body = bodies.get(key);
    if (!body) return notFound(res, 'EntryNotFound', `Entry ${file} not found`);

    const count = (served.get(key) ?? 0) + 1;
    served.set(key, count);
    const declared = faults[key];
    const fault =
      declared && (declared.failFirst === undefined || count <= declared.failFirst) ? declared : {};
    const faultSet = Object.keys(fault).some((k) => k !== 'failFirst');

    if (fault.status !== undefined || (fault.failFirst !== undefined && !faultSet)) {
      const status = fault.status ?? 503;
      const text = `injected status ${status}`;
      res.writeHead(status, { 'content-type': 'text/plain', ...length(text) }).end(text);
      return;
    }
    if (fault.html) {
      const page =
        '<!doctype html>\n<html><head><title>Sign in</title></head><body>Log in</body></html>\n';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...length(page) }).end(page);
      return;
    }
    if (fault.lfsPointer) {
      const oid = createHash('sha256').update(body).digest('hex');
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${body.length}\n`;
      res
        .writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...length(pointer) })
        .end(pointer);
      return;
    }

    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    const headers: Record<string, string> = {
      'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag,
    };
    let status = 200;
    let part = body;
    const r =
      !fault.ignoreRange && req.headers.range ? parseRange(req.headers.range, body.length) : null;
    if (r === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    if (r) {
      status = 206;
      part = body.subarray(r.start, r.end + 1);
      headers['content-range'] = `bytes ${r.start}-${r.end}/${body.length}`;
    }
    if (!fault.noContentLength) headers['content-length'] = String(part.length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (fault.truncateAfter !== undefined && fault.truncateAfter < part.length) {
      res.write(part.subarray(0, fault.truncateAfter), () => res.socket?.destroy());
      return;
    }
    if (fault.stallAfter !== undefined && fault.stallAfter < part.length) {
      res.write(part.subarray(0, fault.stallAfter));
      return;
    }
    res.end(part);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections(); // stalled responses and idle keep-alive sockets
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function notFound(res: ServerResponse, code: string, message: string): void {
  res
    .writeHead(404, { 'content-type': 'text/plain', 'x-error-code': code, ...length(message) })
    .end(message);
}

function length(text: string): { 'content-length': string } {
  return { 'content-length': String(Buffer.byteLength(text)) };
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; null for anything else (served whole). */
function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

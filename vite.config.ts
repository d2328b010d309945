import { createReadStream, existsSync, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { APP_CSP, securityHeaders } from './src/ui/page-policy.ts';

const weightsDir = resolve(import.meta.dirname, 'weights');
/** The only checkpoint copied into dist: the small trained model committed to the repo. */
const bundledModel = 'tiny-trained';

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.safetensors': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the top-level `weights/` folder at `/weights/` in `vite` and `vite preview` (so a
 * checkpoint downloaded with `npm run weights` can be loaded as a URL folder), and copies the
 * bundled model, only that one, into `dist/weights/` on build.
 */
function weightsFolder(): Plugin {
  let outDir = 'dist';
  let building = false;
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/weights/')) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let file: string;
    try {
      file = resolve(weightsDir, decodeURIComponent(url.pathname.slice('/weights/'.length)));
    } catch {
      file = ''; // malformed percent-encoding: answered as not found
    }
    const stat = file.startsWith(weightsDir + sep) && existsSync(file) ? statSync(file) : null;
    if (!stat?.isFile()) {
      // A plain 404, not the app's index.html (which a model loader would take for a page).
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`No such file in weights/: ${url.pathname}\n`);
      return;
    }
    res.setHeader('Content-Type', contentTypes[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'no-cache');
    let start = 0;
    let end = stat.size - 1;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, stat.size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), end) : end;
      if (start > end) {
        res.statusCode = 416;
        res.setHeader('Content-Range', `bytes */${stat.size}`);
        res.end();
        return;
      }
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${stat.size}`);
    }
    res.setHeader('Content-Length', String(end - start + 1));
    if (req.method === 'HEAD' || stat.size === 0) {
      res.end();
      return;
    }
    createReadStream(file, { start, end }).pipe(res);
  };
  return {
    name: 'weights-folder',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      building = config.command === 'build';
    },
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
    async closeBundle() {
      if (!building) return;
      const from = join(weightsDir, bundledModel);
      if (!existsSync(from)) {
        this.warn(`weights/${bundledModel}/ is missing: the bundled model is not in dist`);
        return;
      }
      await cp(from, join(outDir, 'weights', bundledModel), { recursive: true });
    },
  };
}

// The same policy as the pages' meta tags, as headers (frame-ancestors works only there);
// bench.html's own meta narrows connect-src further.
const headers = securityHeaders(APP_CSP);

export default defineConfig({
  plugins: [weightsFolder()],
  server: { host: '127.0.0.1', headers },
  preview: { host: '127.0.0.1', headers },
  build: {
    target: 'es2022',
    // One chunk holds GPT-2's BPE table (js-tiktoken's ranks, ~0.5 MB): the prompt's token
    // view needs it at once, so it is not split off.
    chunkSizeWarningLimit: 1024,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
});

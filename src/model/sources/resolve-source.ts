/**
 * One model spec string, read the same way by the browser UI (model field, URL parameter)
 * and the CLI (--model):
 *   hf:owner/name[@revision]      a Hugging Face repo (also a bare id: openai-community/gpt2, gpt2)
 *   https://host/folder           a URL folder holding config.json and model.safetensors
 *   https://huggingface.co/o/n    a hub page URL is the hub repo it shows
 *   dir:path, ./path, /path, ...  a directory (Node only)
 * Parsing is pure; `isDirectory` lets the Node CLI prefer an existing directory over a hub
 * id spelled the same (`weights/gpt2`).
 */
import type { ModelFiles } from '../model-files.ts';
import { CachedFiles, type ModelCache } from './cached-files.ts';
import { InvalidRepoIdError, ModelSpecError } from './errors.ts';
import { HttpFiles, type HttpFilesOptions } from './http-files.ts';
import {
  DEFAULT_REVISION,
  HubFiles,
  isValidRepoId,
  validateRepoId,
  validateRevision,
} from './hub-files.ts';

export type ModelSource =
  | { kind: 'hub'; repo: string; revision: string }
  | { kind: 'url'; url: string }
  | { kind: 'dir'; path: string };

export interface ParseModelSpecOptions {
  /** True when `path` is an existing directory (Node); it then wins over a hub id. */
  isDirectory?: (path: string) => boolean;
}

const HUB_HOSTS = new Set(['huggingface.co', 'www.huggingface.co', 'hf.co']);
/** First path segments of hub pages that are not model repos. */
const HUB_RESERVED = new Set([
  'api',
  'blog',
  'collections',
  'datasets',
  'docs',
  'join',
  'login',
  'models',
  'organizations',
  'papers',
  'pricing',
  'settings',
  'spaces',
  'tasks',
]);
const REVISION_SEGMENTS = new Set(['tree', 'resolve', 'blob']);
const MODEL_FILE_NAMES = new Set(['config.json', 'model.safetensors']);

export function parseModelSpec(spec: string, options: ParseModelSpecOptions = {}): ModelSource {
  const s = spec.trim();
  if (!s) {
    throw new ModelSpecError(
      'No model given. Use a Hugging Face repo id (openai-community/gpt2), a URL of a folder ' +
        'with config.json and model.safetensors, or (in Node) a directory.',
    );
  }
  if (/^hf:/i.test(s)) return hubSpec(s.slice(3).trim(), true)!;
  if (/^dir:/i.test(s)) {
    const path = s.slice(4).trim();
    if (!path) throw new ModelSpecError('"dir:" needs a path after it, such as dir:weights/gpt2.');
    return { kind: 'dir', path };
  }
  if (/^https?:\/\//i.test(s)) return urlSpec(s);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new ModelSpecError(
      `"${s}": only http:// and https:// URLs can be fetched. For files on this computer pick ` +
        'them (browser) or pass their directory (CLI).',
    );
  }
  const pathLike =
    /^(\.{1,2}([\\/]|$)|[\\/~]|[a-z]:[\\/])/i.test(s) || s.includes('\\') || s.endsWith('/');
  if (!pathLike && !options.isDirectory?.(s)) {
    const hub = hubSpec(s, false);
    if (hub) return hub;
  }
  return { kind: 'dir', path: s };
}

/** The spec string for `source`; parseModelSpec gives `source` back. */
export function formatModelSpec(source: ModelSource): string {
  switch (source.kind) {
    case 'hub':
      return `hf:${source.repo}${source.revision === DEFAULT_REVISION ? '' : `@${source.revision}`}`;
    case 'url':
      return source.url;
    case 'dir': {
      const plain = parseModelSpec(source.path);
      return plain.kind === 'dir' && plain.path === source.path
        ? source.path
        : `dir:${source.path}`;
    }
  }
}

export interface ModelFilesForOptions extends Pick<
  HttpFilesOptions,
  'fetch' | 'retryDelayMs' | 'maxResumeAttempts' | 'onResume'
> {
  /** The hub's address (default https://huggingface.co). */
  hubBase?: string;
  /** Where downloaded files are kept (`await openModelCache()` in a browser); null: not kept. */
  cache?: ModelCache | null;
  onCacheWarning?: (message: string) => void;
}

/** The files of a hub repo or URL folder (cached when a cache is given). Browser and Node. */
export function modelFilesFor(
  source: ModelSource | string,
  options: ModelFilesForOptions = {},
): ModelFiles {
  const s = typeof source === 'string' ? parseModelSpec(source) : source;
  const http: HttpFilesOptions = {
    fetch: options.fetch,
    retryDelayMs: options.retryDelayMs,
    maxResumeAttempts: options.maxResumeAttempts,
    onResume: options.onResume,
  };
  let files: HttpFiles;
  switch (s.kind) {
    case 'hub':
      files = new HubFiles({ ...http, repo: s.repo, revision: s.revision, base: options.hubBase });
      break;
    case 'url':
      files = new HttpFiles(s.url, http);
      break;
    case 'dir': {
      let hint = '';
      if (!/^[.\\/~]/.test(s.path) && s.path.split('/').length <= 2) {
        try {
          validateRepoId(s.path);
        } catch (e) {
          if (e instanceof InvalidRepoIdError) hint = ` If you meant a hub repo: ${e.message}`;
        }
      }
      throw new ModelSpecError(
        `"${s.path}" is a directory, and a web page cannot read directories by path: pick the ` +
          `folder's files instead (or run the CLI).${hint}`,
      );
    }
  }
  if (!options.cache) return files;
  return new CachedFiles(files, options.cache, {
    folderUrl: files.baseUrl,
    onWarning: options.onCacheWarning,
  });
}

/** `repo[@revision]`; with `strict`, a bad id throws, else it is not a hub spec (null). */
function hubSpec(text: string, strict: boolean): ModelSource | null {
  const at = text.indexOf('@');
  const repo = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? DEFAULT_REVISION : text.slice(at + 1);
  if (strict) {
    validateRepoId(repo);
    try {
      validateRevision(revision);
    } catch (e) {
      throw new ModelSpecError((e as Error).message);
    }
    return { kind: 'hub', repo, revision };
  }
  if (!isValidRepoId(repo)) return null;
  try {
    validateRevision(revision);
  } catch {
    return null;
  }
  return { kind: 'hub', repo, revision };
}

function urlSpec(s: string): ModelSource {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ModelSpecError(`"${s}" is not a valid URL.`);
  }
  if (HUB_HOSTS.has(url.hostname)) {
    const hub = hubFromPath(url.pathname);
    if (hub) return hub;
  }
  if (url.search) {
    throw new ModelSpecError(
      `"${s}" has a query (${url.search}); a model folder URL cannot, because file names are ` +
        'appended to it (URL/config.json). Use the folder URL without "?...".',
    );
  }
  const parts = url.pathname.replace(/\/+$/, '').split('/');
  // A pasted file URL means its folder.
  if (MODEL_FILE_NAMES.has(parts[parts.length - 1])) parts.pop();
  return { kind: 'url', url: `${url.origin}${parts.join('/')}` };
}

/** A hub page or file URL (/owner/name, /owner/name/tree/rev, /gpt2/resolve/main/x) as a repo. */
function hubFromPath(pathname: string): ModelSource | null {
  const segs = pathname.split('/').filter(Boolean);
  if (segs.length === 0 || HUB_RESERVED.has(segs[0])) return null;
  let decoded: string[];
  try {
    decoded = segs.map(decodeURIComponent);
  } catch {
    return null;
  }
  const at = (repoParts: number): ModelSource | null => {
    const rest = decoded.slice(repoParts);
    if (rest.length === 1 || (rest.length > 0 && !REVISION_SEGMENTS.has(rest[0]))) return null;
    const repo = decoded.slice(0, repoParts).join('/');
    const revision = rest[1] ?? DEFAULT_REVISION;
    return isValidRepoId(repo) ? { kind: 'hub', repo, revision } : null;
  };
  if (decoded.length >= 2 && !REVISION_SEGMENTS.has(decoded[1])) return at(2);
  return at(1);
}

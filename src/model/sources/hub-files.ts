/**
 * A Hugging Face model repo: files at `${base}/${repo}/resolve/${revision}/${name}` (the hub
 * answers with a redirect to its CDN, which fetch follows). The repo id is checked before
 * any URL is built, so a typo or a path trick fails here with a clear message instead of
 * fetching some other page.
 */
import { InvalidRepoIdError } from './errors.ts';
import { HttpFiles, type HttpFilesOptions } from './http-files.ts';

export const DEFAULT_HUB_BASE = 'https://huggingface.co';
export const DEFAULT_HUB_REPO = 'openai-community/gpt2';
export const DEFAULT_REVISION = 'main';

export interface HubFilesOptions extends Omit<HttpFilesOptions, 'description'> {
  /** owner/name, or a legacy bare name (default openai-community/gpt2). */
  repo?: string;
  /** Branch, tag or commit (default main). */
  revision?: string;
  /** The hub's address (default https://huggingface.co; tests use a local server). */
  base?: string;
}

/**
 * Throws InvalidRepoIdError unless `repo` is a valid hub model id, with the hub's own rules
 * (huggingface_hub's validate_repo_id): one or two parts of [A-Za-z0-9._-], each 1-96
 * characters, not starting or ending with "." or "-", no "--" or "..".
 */
export function validateRepoId(repo: string): string {
  if (typeof repo !== 'string' || repo === '')
    throw new InvalidRepoIdError(String(repo), 'it is empty');
  const parts = repo.split('/');
  if (parts.length > 2) throw new InvalidRepoIdError(repo, 'it has more than one "/"');
  for (const part of parts) {
    if (part === '') throw new InvalidRepoIdError(repo, 'a part before or after "/" is empty');
    if (!/^[A-Za-z0-9._-]+$/.test(part)) {
      throw new InvalidRepoIdError(
        repo,
        `"${part}" has characters other than letters, digits, ".", "_", "-"`,
      );
    }
    if (part.includes('..') || part.includes('--')) {
      throw new InvalidRepoIdError(repo, 'it contains ".." or "--"');
    }
    if (/^[.-]|[.-]$/.test(part)) {
      throw new InvalidRepoIdError(repo, `"${part}" starts or ends with "." or "-"`);
    }
    if (part.length > 96)
      throw new InvalidRepoIdError(repo, `"${part}" is longer than 96 characters`);
  }
  return repo;
}

export function isValidRepoId(repo: string): boolean {
  try {
    validateRepoId(repo);
    return true;
  } catch {
    return false;
  }
}

/** What git refuses in a ref name (git check-ref-format), plus whitespace. */
// eslint-disable-next-line no-control-regex
const BAD_REVISION_CHARS = /[\s\x00-\x1f\x7f~^:?*[\\]/;

/** A branch, tag or commit: anything git allows that is safe in one URL segment once encoded. */
export function validateRevision(revision: string): string {
  if (!revision || BAD_REVISION_CHARS.test(revision) || revision.split('/').includes('..')) {
    throw new TypeError(
      `"${revision}" is not a revision: use a branch (main), a tag or a commit hash, without spaces or "..".`,
    );
  }
  return revision;
}

/** The folder URL of a repo revision; files are `${folder}/${name}`. */
export function hubFolderUrl(
  repo: string,
  revision: string = DEFAULT_REVISION,
  base: string = DEFAULT_HUB_BASE,
): string {
  validateRepoId(repo);
  validateRevision(revision);
  // A revision like refs/pr/1 is one path segment for the hub: its slashes are encoded.
  return `${base.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}`;
}

export class HubFiles extends HttpFiles {
  readonly repo: string;
  readonly revision: string;

  constructor(options: HubFilesOptions = {}) {
    const repo = options.repo ?? DEFAULT_HUB_REPO;
    const revision = options.revision ?? DEFAULT_REVISION;
    const base = options.base ?? DEFAULT_HUB_BASE;
    const host = hostOf(base);
    const at = `hf:${repo}${revision === DEFAULT_REVISION ? '' : `@${revision}`}`;
    super(hubFolderUrl(repo, revision, base), {
      ...options,
      description: base === DEFAULT_HUB_BASE ? at : `${at} (hub at ${host})`,
    });
    this.repo = repo;
    this.revision = revision;
  }
}

function hostOf(base: string): string {
  try {
    return new URL(base).host;
  } catch {
    throw new TypeError(
      `The hub address "${base}" is not a URL; use one like ${DEFAULT_HUB_BASE}.`,
    );
  }
}

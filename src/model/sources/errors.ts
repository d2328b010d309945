/**
 * Errors of the model sources. Each message says what went wrong, where, and what to do;
 * the fields let the UI pick a hint without parsing the message.
 */

/** Why a download failed, for a UI that wants to react differently (retry button, etc.). */
export type DownloadProblem =
  | 'not-found' // 404: no such repo, revision or file
  | 'denied' // 401 / 403: gated, private (or, on the hub, missing) repo
  | 'rate-limited' // 429
  | 'server' // 5xx
  | 'http' // any other unexpected status
  | 'network' // no response at all
  | 'no-size' // no usable Content-Length
  | 'truncated'; // the body broke off and could not be resumed

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    readonly url: string,
    /** HTTP status, or null when no response arrived. */
    readonly status: number | null,
    readonly problem: DownloadProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What arrived instead of the expected file. */
export type WrongContent = 'html' | 'lfs-pointer' | 'not-json';

/** The server answered 200 but the body is not the file (a web page, an LFS pointer...). */
export class NotModelFileError extends Error {
  override name = 'NotModelFileError';
  constructor(
    /** The URL or path the content came from. */
    readonly source: string,
    readonly content: WrongContent,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Files the model needs are not among the picked files or in the directory. */
export class MissingModelFileError extends Error {
  override name = 'MissingModelFileError';
  constructor(
    readonly missing: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

export class InvalidRepoIdError extends Error {
  override name = 'InvalidRepoIdError';
  constructor(
    readonly repo: string,
    reason: string,
  ) {
    super(
      `"${repo}" is not a Hugging Face repo id: ${reason}. Use owner/name (such as ` +
        'openai-community/gpt2) or a legacy bare name (such as gpt2), made of letters, digits, ' +
        '".", "_" and "-".',
    );
  }
}

/** A model spec string (the model field of the UI, the CLI's --model) that cannot be used. */
export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

/** Cache Storage is missing (not a secure context, or disabled) or refused to open. */
export class CacheUnavailableError extends Error {
  override name = 'CacheUnavailableError';
}

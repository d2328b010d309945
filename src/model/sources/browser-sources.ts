/**
 * Where the browser app's models come from, in one place: a hub repo or URL folder (kept in
 * Cache Storage for the next visit), files the user picked or dropped, or an HTTP folder read
 * as it is (the model bundled with the app, which the browser's HTTP cache already keeps).
 * Cache Storage is opened once, on the first download; when it cannot be opened the models
 * still load, and `onWarning` says they will not be kept.
 */
import type { ModelFiles } from '../model-files.ts';
import { openModelCache, type ModelCache } from './cached-files.ts';
import { CacheUnavailableError } from './errors.ts';
import { HttpFiles } from './http-files.ts';
import { PickedFiles } from './picked-files.ts';
import { modelFilesFor, type ModelSource } from './resolve-source.ts';

export type BrowserModelSource =
  | Extract<ModelSource, { kind: 'hub' | 'url' }>
  | { kind: 'files'; files: readonly File[] }
  /** An HTTP folder read without Cache Storage. */
  | { kind: 'folder'; url: string; description: string };

export interface BrowserModelSourcesOptions {
  /** The hub's address (default https://huggingface.co). */
  hubBase?: string;
  /** A file will not be kept for next time, or no file will (short title, then what to do). */
  onWarning?: (title: string, message: string) => void;
}

export class BrowserModelSources {
  /** undefined: not opened yet; null: Cache Storage is unavailable here. */
  private cache: ModelCache | null | undefined;

  constructor(private readonly options: BrowserModelSourcesOptions = {}) {}

  async open(source: BrowserModelSource): Promise<ModelFiles> {
    switch (source.kind) {
      case 'files':
        return new PickedFiles(source.files);
      case 'folder':
        return folderFiles(source.url, source.description);
      default:
        return modelFilesFor(source, {
          hubBase: this.options.hubBase,
          cache: await this.modelCache(),
          onCacheWarning: (m) => this.options.onWarning?.('Not stored for next time', m),
        });
    }
  }

  private async modelCache(): Promise<ModelCache | null> {
    if (this.cache !== undefined) return this.cache;
    try {
      this.cache = await openModelCache();
    } catch (e) {
      this.cache = null;
      if (e instanceof CacheUnavailableError) {
        this.options.onWarning?.('Models will not be stored', e.message);
      } else throw e;
    }
    return this.cache;
  }
}

/** The files of an HTTP folder, fetched as they are (no Cache Storage). */
export function folderFiles(url: string, description: string): ModelFiles {
  return new HttpFiles(url, { description });
}

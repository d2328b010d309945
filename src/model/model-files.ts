/** Progress of one file's download or read, reported as bytes arrive. */
export interface LoadProgress {
  file: string;
  loaded: number;
  total: number;
  fromCache: boolean;
}

export interface OpenedFile {
  size: number;
  stream: ReadableStream<Uint8Array>;
  fromCache: boolean;
}

/** Where a checkpoint's files come from (hub, URL folder, picked files, a directory in Node). */
export interface ModelFiles {
  /** e.g. "hf:openai-community/gpt2", "/path/dir" */
  readonly description: string;
  /** config.json */
  readText(name: string, signal?: AbortSignal): Promise<string>;
  /** model.safetensors */
  open(name: string, signal?: AbortSignal): Promise<OpenedFile>;
}

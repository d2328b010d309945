import type { ModelFiles, OpenedFile } from './model-files.ts';

/** A checkpoint held in memory (a generated one, for tests and the benchmark). */
export function memoryModelFiles(
  files: Record<string, string | Uint8Array>,
  description = 'in-memory checkpoint',
  chunkSize = 1 << 20,
): ModelFiles {
  const get = (name: string) => {
    const f = files[name];
    if (f === undefined) throw new Error(`${description} has no ${name}`);
    return typeof f === 'string' ? new TextEncoder().encode(f) : f;
  };
  return {
    description,
    async readText(name: string): Promise<string> {
      return new TextDecoder().decode(get(name));
    },
    async open(name: string): Promise<OpenedFile> {
      const bytes = get(name);
      let offset = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) {
            controller.close();
            return;
          }
          const end = Math.min(bytes.length, offset + chunkSize);
          controller.enqueue(bytes.slice(offset, end));
          offset = end;
        },
      });
      return { size: bytes.length, stream, fromCache: false };
    },
  };
}

/**
 * The files of a drop: loose files as they are, and for a dropped folder the files directly
 * inside it (a model folder holds config.json and model.safetensors at its top; its
 * subfolders, such as onnx/, are not read).
 */
export async function droppedFiles(data: DataTransfer): Promise<File[]> {
  const entries = Array.from(data.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) {
    return Array.from(data.files);
  }
  const files: File[] = [];
  for (const entry of entries as FileSystemEntry[]) {
    if (isFile(entry)) files.push(await fileOf(entry));
    else if (isDirectory(entry)) {
      for (const child of await childrenOf(entry)) {
        if (isFile(child)) files.push(await fileOf(child));
      }
    }
  }
  return files;
}

function isFile(e: FileSystemEntry): e is FileSystemFileEntry {
  return e.isFile;
}

function isDirectory(e: FileSystemEntry): e is FileSystemDirectoryEntry {
  return e.isDirectory;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** All entries of a directory (readEntries answers in batches until an empty one). */
async function childrenOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

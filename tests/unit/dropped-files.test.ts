import { describe, expect, it } from 'vitest';
import { droppedFiles } from '../../src/ui/dropped-files.ts';

// Stand-ins for the browser's FileSystemEntry API, as a drag and drop hands it over.
function fileEntry(name: string, text = name) {
  const file = new File([text], name);
  return { isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(file) };
}

/** A folder whose reader answers in batches of `batch`, then with an empty one. */
function folderEntry(name: string, children: object[], batch = 2) {
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader() {
      let at = 0;
      return {
        readEntries(ok: (entries: object[]) => void) {
          ok(children.slice(at, at + batch));
          at += batch;
        },
      };
    },
  };
}

function transfer(entries: (object | null)[], files: File[] = []): DataTransfer {
  return {
    items: entries.map((entry) => ({ kind: 'file', webkitGetAsEntry: () => entry })),
    files,
  } as unknown as DataTransfer;
}

async function names(data: DataTransfer): Promise<string[]> {
  return (await droppedFiles(data)).map((f) => f.name).sort();
}

describe('dropped files', () => {
  it('reads a dropped folder: the files at its top, over every batch, not its subfolders', async () => {
    const folder = folderEntry('gpt2', [
      fileEntry('config.json'),
      fileEntry('model.safetensors'),
      folderEntry('onnx', [fileEntry('model.onnx')]),
      fileEntry('README.md'),
      fileEntry('vocab.json'),
    ]);
    expect(await names(transfer([folder]))).toEqual([
      'README.md',
      'config.json',
      'model.safetensors',
      'vocab.json',
    ]);
  });

  it('takes loose files as they are, beside a folder too', async () => {
    const data = transfer([fileEntry('config.json'), folderEntry('w', [fileEntry('x.bin')])]);
    expect(await names(data)).toEqual(['config.json', 'x.bin']);
  });

  it('falls back to the plain file list when entries are not available', async () => {
    const files = [new File(['{}'], 'config.json'), new File(['x'], 'model.safetensors')];
    expect(await names(transfer([null, null], files))).toEqual([
      'config.json',
      'model.safetensors',
    ]);
  });
});

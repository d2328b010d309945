/**
 * Files the user picked or dropped: loose files or a whole folder (whose files carry a
 * `webkitRelativePath`). The model's files are found by name, so picking a downloaded repo
 * folder with its README, tokenizer files and subfolders works.
 */
import type { ModelFiles, OpenedFile } from '../model-files.ts';
import { MissingModelFileError } from './errors.ts';
import { formatBytes } from '../../util/format.ts';
import { abortReason, abortableStream } from './util.ts';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

/** Checkpoint formats this app cannot read, for a hint when model.safetensors is missing. */
const OTHER_FORMATS = /\.(bin|pt|pth|ckpt|h5|msgpack|onnx|gguf)$/i;

export class PickedFiles implements ModelFiles {
  readonly description: string;
  private readonly files = new Map<string, File>();

  /** Throws MissingModelFileError unless config.json and the weights are among `picked`. */
  constructor(picked: Iterable<File> | ArrayLike<File>) {
    const all = Array.from(picked);
    const missing: string[] = [];
    for (const name of [CONFIG_FILE, WEIGHTS_FILE]) {
      let found = pick(all, (f) => f.name === name, name);
      // A single checkpoint under another name (gpt2.safetensors) is just as good.
      if (!found && name === WEIGHTS_FILE) {
        found = pick(all, (f) => f.name.endsWith('.safetensors'), 'a .safetensors file', true);
      }
      if (found) this.files.set(name, found);
      else missing.push(name);
    }
    for (const f of all) if (!this.files.has(f.name)) this.files.set(f.name, f);
    if (missing.length) throw missingError(all, missing);
    const weights = this.files.get(WEIGHTS_FILE)!;
    const folder = pathOf(weights).split('/').slice(0, -1).join('/');
    this.description =
      `${folder ? `folder ${folder}` : 'picked files'} ` +
      `(${weights.name}, ${formatBytes(weights.size)})`;
  }

  async readText(name: string, signal?: AbortSignal): Promise<string> {
    const file = this.get(name);
    if (signal?.aborted) throw abortReason(signal);
    const text = await file.text();
    if (signal?.aborted) throw abortReason(signal);
    return text;
  }

  async open(name: string, signal?: AbortSignal): Promise<OpenedFile> {
    const file = this.get(name);
    if (signal?.aborted) throw abortReason(signal);
    return { size: file.size, stream: abortableStream(file.stream(), signal), fromCache: false };
  }

  private get(name: string): File {
    const file = this.files.get(name);
    if (!file) {
      throw new MissingModelFileError(
        [name],
        `${name} is not among the picked files; pick it together with the model's other files.`,
      );
    }
    return file;
  }
}

/** The relative path when a folder was picked, else the bare name. */
function pathOf(f: File): string {
  // Node's File (tests) has no webkitRelativePath.
  return (f as Partial<File>).webkitRelativePath || f.name;
}

/**
 * The file matching `test` closest to the top of the picked folder (a repo folder may hold
 * copies in subfolders such as onnx/); two at the same depth are ambiguous.
 */
function pick(
  all: File[],
  test: (f: File) => boolean,
  what: string,
  onlyIfUnique = false,
): File | undefined {
  const matches = all.filter(test);
  if (matches.length === 0) return undefined;
  const depth = (f: File) => pathOf(f).split('/').length;
  const top = Math.min(...matches.map(depth));
  const best = matches.filter((f) => depth(f) === top);
  if (best.length === 1 && (!onlyIfUnique || matches.length === 1)) return best[0];
  if (onlyIfUnique) return undefined;
  throw new MissingModelFileError(
    [],
    `Several picked files are ${what} (${best.map(pathOf).join(', ')}); pick the files of one model only.`,
  );
}

function missingError(all: File[], missing: string[]): MissingModelFileError {
  if (all.length === 0) {
    return new MissingModelFileError(
      missing,
      `No files were picked. Pick a model's ${CONFIG_FILE} and ${WEIGHTS_FILE} (or its folder).`,
    );
  }
  const hints: string[] = [];
  const other = all.find((f) => OTHER_FORMATS.test(f.name));
  if (missing.includes(WEIGHTS_FILE) && other) {
    hints.push(
      `${other.name} is a checkpoint format this app does not read; download ${WEIGHTS_FILE} ` +
        "from the repo's files instead",
    );
  }
  const shards = all.filter((f) => f.name.endsWith('.safetensors'));
  if (missing.includes(WEIGHTS_FILE) && shards.length > 1) {
    hints.push(
      `${shards.map((f) => f.name).join(', ')} are several checkpoints (or shards of one); ` +
        `pick a single ${WEIGHTS_FILE}`,
    );
  }
  const shown = all.slice(0, 8).map(pathOf).join(', ');
  return new MissingModelFileError(
    missing,
    `The picked files have no ${missing.join(' and ')} (picked: ${shown}` +
      `${all.length > 8 ? `, and ${all.length - 8} more` : ''}). A GPT-2 model needs ` +
      `${CONFIG_FILE} and ${WEIGHTS_FILE} from the same repo.${hints.length ? ` ${hints.join('. ')}.` : ''}`,
  );
}

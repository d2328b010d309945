/**
 * The safetensors header: `u64 LE n`, then n bytes of JSON mapping tensor names to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data section
 * that follows the header), plus an optional `__metadata__` of strings.
 * Everything read from the file is checked before it is used as a size or an offset, and
 * the cost of reading a hostile header is bounded: its length, its tensor count, the rank
 * of a shape; error messages quote at most a short excerpt of what the file holds.
 */
import { WeightsFormatError } from './errors.ts';
import { excerpt, describeJson } from './excerpt.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/**
 * GPT-2 xl's header is ~40 KB; 100 times that is generous, and keeps a hostile header from
 * costing seconds and gigabytes to parse on the main thread.
 */
export const MAX_HEADER_BYTES = 4 << 20;
/** GPT-2 xl has 581 tensors (629 with its saved attention masks). */
export const MAX_TENSORS = 10_000;
/** GPT-2 needs rank 2; a deeper shape is not a weight of any model this engine reads. */
export const MAX_RANK = 8;
/**
 * Bytes of the data section no tensor covers (gaps, trailing bytes). Some writers align
 * tensors; none leaves megabytes unused, and a file whose declared size far exceeds what
 * its tensors need would make the loader download (and cache) bytes it never uses.
 */
export const MAX_UNUSED_DATA_BYTES = 1 << 20;

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Element count: product of shape (1 for a scalar). */
  elements: number;
  /** Byte range inside the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Bytes before the data section: 8 + the JSON length. */
  dataOffset: number;
  /** fileSize - dataOffset */
  dataBytes: number;
  tensors: Map<string, TensorInfo>;
  /**
   * The one `__metadata__` key the format defines ("pt", "np", ...). The rest is never
   * copied: a header may hold millions of keys this engine has no use for.
   */
  metadata: { format?: string };
}

const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1';

/**
 * How many bytes from the start of the file the header occupies (8 + its JSON length),
 * read from the file's first 8 bytes, so a streaming reader can read exactly that much.
 * Recognises an LFS pointer or a web page served in place of the file.
 */
export function headerBytesNeeded(first8: Uint8Array, fileSize?: number): number {
  if (first8.length < 8) {
    throw new WeightsFormatError(
      `model.safetensors is only ${first8.length} bytes long, too short to be a safetensors ` +
        'file (it starts with an 8-byte header length). Download it again.',
    );
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  // A valid length may contain any byte (15392 starts with " <"), so the text of a web page
  // or LFS pointer is looked for only when the length is not a plausible one.
  if (high !== 0 || low > MAX_HEADER_BYTES || low < 2) explainNotSafetensors(first8);
  if (high !== 0 || low > MAX_HEADER_BYTES) {
    const n = high * 2 ** 32 + low;
    throw new WeightsFormatError(
      `model.safetensors declares a ${n}-byte header, above the ${MAX_HEADER_BYTES}-byte limit: ` +
        'the file is not a safetensors file or is corrupt. Download it again.',
    );
  }
  if (low < 2) {
    throw new WeightsFormatError(
      `model.safetensors declares a ${low}-byte header, too short for a JSON object: the file ` +
        'is corrupt. Download it again.',
    );
  }
  const needed = 8 + low;
  if (fileSize !== undefined && needed > fileSize) {
    throw new WeightsFormatError(
      `model.safetensors declares a ${low}-byte header but the whole file is ${fileSize} bytes: ` +
        'the file is truncated or corrupt. Download it again.',
    );
  }
  return needed;
}

/**
 * Parses and validates the header. `prefix` holds at least the file's first
 * `headerBytesNeeded` bytes; `fileSize` is the size of the whole file.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number): SafetensorsHeader {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new RangeError(`fileSize must be a non-negative integer, got ${fileSize}`);
  }
  const dataOffset = headerBytesNeeded(prefix.subarray(0, 8), fileSize);
  if (prefix.length < dataOffset) {
    throw new WeightsFormatError(
      `model.safetensors header needs ${dataOffset} bytes but only ${prefix.length} were read: ` +
        'the file is truncated. Download it again.',
    );
  }
  const dataBytes = fileSize - dataOffset;

  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, dataOffset));
    json = JSON.parse(text);
  } catch (e) {
    explainNotSafetensors(prefix.subarray(0, 8));
    throw new WeightsFormatError(
      `model.safetensors header is not valid UTF-8 JSON (${excerpt((e as Error).message, 120)}): ` +
        'the file is corrupt or not a safetensors file. Download it again.',
    );
  }
  if (!isObject(json)) {
    throw new WeightsFormatError(
      'model.safetensors header must be a JSON object mapping tensor names to their dtype, ' +
        'shape and offsets. The file is corrupt.',
    );
  }

  const metadata: { format?: string } = {};
  const tensors = new Map<string, TensorInfo>();
  for (const name in json) {
    const entry = json[name];
    if (name === '__metadata__') {
      if (!isObject(entry)) {
        throw new WeightsFormatError('model.safetensors: __metadata__ must be a JSON object.');
      }
      if (typeof entry.format === 'string') metadata.format = entry.format.slice(0, 64);
      continue;
    }
    if (tensors.size === MAX_TENSORS) {
      throw new WeightsFormatError(
        `model.safetensors lists more than ${MAX_TENSORS} tensors (GPT-2 xl has 581): the ` +
          'file is corrupt or not a GPT-2 checkpoint.',
      );
    }
    tensors.set(name, parseTensor(name, entry, dataBytes));
  }
  const list = [...tensors.values()];
  checkNoOverlap(list);
  checkUnused(list, dataBytes);
  return { dataOffset, dataBytes, tensors, metadata };
}

function parseTensor(name: string, entry: unknown, dataBytes: number): TensorInfo {
  const where = `model.safetensors: tensor ${excerpt(name)}`;
  if (!isObject(entry)) {
    throw new WeightsFormatError(`${where} must be an object {dtype, shape, data_offsets}.`);
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') {
    throw new WeightsFormatError(`${where} has no dtype string.`);
  }
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
    throw new WeightsFormatError(
      `${where} has dtype ${excerpt(dtype, 16, false)}; only F32, F16 and BF16 are supported. ` +
        'Use a float checkpoint (quantized or integer weights cannot be loaded).',
    );
  }
  if (!Array.isArray(shape) || !shape.every(isSafeNonNegative)) {
    throw new WeightsFormatError(
      `${where}: shape must be an array of non-negative integers, found ${describeJson(shape)}.`,
    );
  }
  if (shape.length > MAX_RANK) {
    throw new WeightsFormatError(
      `${where}: shape has ${shape.length} dimensions, more than the ${MAX_RANK} this reader ` +
        'accepts (GPT-2 weights have 1 or 2). The file is corrupt.',
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isSafeNonNegative) ||
    offsets[0] > offsets[1]
  ) {
    throw new WeightsFormatError(
      `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, found ` +
        `${describeJson(offsets)}.`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataBytes) {
    throw new WeightsFormatError(
      `${where} ends at byte ${end} of the data section, which has only ${dataBytes} bytes: ` +
        'the file is truncated or corrupt. Download it again.',
    );
  }
  let elements = (shape as number[]).includes(0) ? 0 : 1;
  for (const d of elements === 0 ? [] : (shape as number[])) {
    elements *= d;
    // end - begin <= dataBytes bounds every honest product; stop before doubles lose integers.
    if (elements > dataBytes) break;
  }
  const bytes = elements * DTYPE_BYTES[dtype];
  if (bytes !== end - begin) {
    throw new WeightsFormatError(
      `${where}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ` +
        `${elements > dataBytes ? 'more than the whole file' : `${bytes} bytes`}, but ` +
        `data_offsets span ${end - begin} bytes. The file is corrupt.`,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], elements, begin, end };
}

function checkNoOverlap(tensors: TensorInfo[]): void {
  const sorted = tensors.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const t = sorted[i];
    if (t.begin < prev.end) {
      throw new WeightsFormatError(
        `model.safetensors: tensors ${excerpt(prev.name)} [${prev.begin}, ${prev.end}) and ` +
          `${excerpt(t.name)} [${t.begin}, ${t.end}) overlap in the data section. The file is corrupt.`,
      );
    }
  }
}

/** Refuses a declared size far beyond what the tensors need (see MAX_UNUSED_DATA_BYTES). */
function checkUnused(tensors: TensorInfo[], dataBytes: number): void {
  let used = 0;
  for (const t of tensors) used += t.end - t.begin; // no overlaps: each byte counted once
  if (dataBytes - used > MAX_UNUSED_DATA_BYTES) {
    throw new WeightsFormatError(
      `model.safetensors is ${dataBytes} bytes after its header, but its tensors cover only ` +
        `${used} of them: the size the file's source declared does not match its header. ` +
        'The file is corrupt or the server misreports its size. Download it again.',
    );
  }
}

/** Names what was served instead of a safetensors file, when it is recognisable. */
function explainNotSafetensors(first: Uint8Array): void {
  const text = String.fromCharCode(...first.subarray(0, 8));
  if (LFS_POINTER.startsWith(text)) {
    throw new WeightsFormatError(
      'model.safetensors is a Git LFS pointer file (it starts with "version https://' +
        'git-lfs.github.com/spec/v1"), not the weights. Fetch the real file: run `git lfs pull` ' +
        'in the clone, or download it from the hub\'s "resolve" URL instead of "raw"/"blob".',
    );
  }
  if (text.trimStart().startsWith('<')) {
    throw new WeightsFormatError(
      'model.safetensors is an HTML page (it starts with "<"), not the weights: the server ' +
        'answered with an error or login page. Check the URL and that the file is public.',
    );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSafeNonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

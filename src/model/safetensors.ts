/**
 * The safetensors header: `u64 LE n`, then n bytes of JSON mapping tensor names to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data section
 * that follows the header), plus an optional `__metadata__` of strings.
 * Everything read from the file is checked before it is used as a size or an offset.
 */
import { WeightsFormatError } from './errors.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** Above any real header (GPT-2 xl's is ~40 KB) and the limit the reference Rust reader uses. */
export const MAX_HEADER_BYTES = 100_000_000;

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
  metadata: Record<string, string>;
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
  explainNotSafetensors(first8);
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
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
    throw new WeightsFormatError(
      `model.safetensors header is not valid UTF-8 JSON (${(e as Error).message}): the file ` +
        'is corrupt or not a safetensors file. Download it again.',
    );
  }
  if (!isObject(json)) {
    throw new WeightsFormatError(
      'model.safetensors header must be a JSON object mapping tensor names to their dtype, ' +
        'shape and offsets. The file is corrupt.',
    );
  }

  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isObject(entry)) {
        throw new WeightsFormatError('model.safetensors: __metadata__ must be a JSON object.');
      }
      for (const [k, v] of Object.entries(entry)) if (typeof v === 'string') metadata[k] = v;
      continue;
    }
    tensors.set(name, parseTensor(name, entry, dataBytes));
  }
  checkNoOverlap([...tensors.values()]);
  return { dataOffset, dataBytes, tensors, metadata };
}

function parseTensor(name: string, entry: unknown, dataBytes: number): TensorInfo {
  const where = `model.safetensors: tensor "${name}"`;
  if (!isObject(entry)) {
    throw new WeightsFormatError(`${where} must be an object {dtype, shape, data_offsets}.`);
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') {
    throw new WeightsFormatError(`${where} has no dtype string.`);
  }
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
    throw new WeightsFormatError(
      `${where} has dtype ${dtype}; only F32, F16 and BF16 are supported. ` +
        'Use a float checkpoint (quantized or integer weights cannot be loaded).',
    );
  }
  if (!Array.isArray(shape) || !shape.every(isSafeNonNegative)) {
    throw new WeightsFormatError(
      `${where}: shape must be an array of non-negative integers, found ${JSON.stringify(shape)}.`,
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
        `${JSON.stringify(offsets)}.`,
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
        `model.safetensors: tensors "${prev.name}" [${prev.begin}, ${prev.end}) and ` +
          `"${t.name}" [${t.begin}, ${t.end}) overlap in the data section. The file is corrupt.`,
      );
    }
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

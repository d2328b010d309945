/**
 * Streams a GPT-2 checkpoint (config.json + model.safetensors) into GPU buffers.
 *
 * Order of work: config, then the safetensors header read off the front of the stream,
 * then every check (names, shapes, offsets, buffer limits) before the first GPU buffer
 * exists; only then the data section, chunk by chunk as it arrives, converted to the
 * chosen storage in one reusable block of scratch memory. A tensor's GPU buffer is made
 * when its first byte arrives, not from the header's promise: a source that declares
 * gigabytes and sends megabytes costs megabytes. Every value is checked to be finite on
 * the way. The file is never held whole in memory, tensors may come in any order with
 * gaps between them, and any failure or abort destroys every buffer made so far.
 *
 * Over ~400 lines because it is one pass over one stream with one cleanup path: the checks,
 * the buffer plan and the chunk conversion share that pass's state.
 */
import { GpuOutOfMemoryError } from '../gpu/errors.ts';
import { formatBytes } from '../util/format.ts';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { mapGpt2Checkpoint, type MappedTensor } from './checkpoint.ts';
import { parseGpt2Config, type Gpt2Config } from './config.ts';
import { ConfigError, ModelTooLargeError, WeightsFormatError } from './errors.ts';
import { excerpt } from './excerpt.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from './half.ts';
import { encodeTranspose } from '../kernels/relayout.ts';
import type { LoadProgress, ModelFiles, OpenedFile } from './model-files.ts';
import {
  DTYPE_BYTES,
  headerBytesNeeded,
  parseSafetensorsHeader,
  type SafetensorsDtype,
} from './safetensors.ts';
import type {
  BlockWeights,
  Gpt2Weights,
  LayerNormWeights,
  LinearWeights,
  WeightLayout,
  WeightStorage,
} from './weights.ts';

export const CONFIG_FILE = 'config.json';
/** A GPT-2 config.json is ~1 kB; anything near this is not one. */
export const MAX_CONFIG_BYTES = 256 * 1024;
export const WEIGHTS_FILE = 'model.safetensors';

export interface LoadWeightsOptions {
  storage: WeightStorage;
  /** How the Conv1D weights are held (default 'conv1d', as in the file). */
  layout?: WeightLayout;
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Unknown tensors in the file, in one message (default: console.warn). */
  onWarning?: (message: string) => void;
}

/**
 * Bytes of the GPU buffer holding `elements` values as f32 or packed f16 pairs; with
 * `wholeWords`, rounded up to 16 bytes (zeros), for kernels that read whole vec4 words.
 */
export function weightBufferBytes(
  elements: number,
  storage: WeightStorage,
  wholeWords = false,
): number {
  const bytes = storage === 'f16' ? Math.ceil(elements / 2) * 4 : elements * 4;
  return wholeWords ? Math.ceil(bytes / 16) * 16 : bytes;
}

const WEIGHT_USAGE = () =>
  GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

/**
 * Elements converted per block. Even, so every block but a tensor's last fills whole u32
 * words in f16 storage and each write lands at a 4-byte aligned offset.
 */
export const CONVERT_BLOCK_ELEMENTS = 1 << 18;
const BLOCK_ELEMENTS = CONVERT_BLOCK_ELEMENTS;

/** Let the queue drain after this many uploaded bytes, so staging memory stays bounded. */
const SYNC_EVERY_BYTES = 64 << 20;

export async function loadGpt2Weights(
  gpu: GpuContext,
  files: ModelFiles,
  opts: LoadWeightsOptions,
): Promise<Gpt2Weights> {
  const { signal, storage } = opts;
  const layout = opts.layout ?? 'conv1d';
  signal?.throwIfAborted();
  const config = parseConfigText(await files.readText(CONFIG_FILE, signal), files.description);
  signal?.throwIfAborted();
  const opened = await files.open(WEIGHTS_FILE, signal);
  const source = new ChunkSource(opened, files.description, signal, opts.onProgress);
  const buffers = new Map<string, GPUBuffer>();
  let jobs: { tensor: MappedTensor; start: number; end: number; writer: TensorWriter | null }[] =
    [];
  try {
    source.report();
    const first = await source.readUpTo(8);
    if (first.length < 8 && opened.size >= 8) source.throwTruncated();
    const dataOffset = withSource(files.description, () => headerBytesNeeded(first, opened.size));
    const rest = await source.readUpTo(dataOffset - first.length);
    const prefix = concat(first, rest);
    if (prefix.length < dataOffset) source.throwTruncated();
    const header = withSource(files.description, () => parseSafetensorsHeader(prefix, opened.size));
    const checkpoint = withSource(files.description, () => mapGpt2Checkpoint(header, config));
    const warn = opts.onWarning ?? ((m: string) => console.warn(m));
    for (const w of checkpoint.warnings) warn(w);

    checkBufferLimits(gpu, checkpoint.tensors, storage, layout);

    const scratch = new Scratch();
    const totalBytes = checkpoint.tensors.reduce((n, t) => n + bufferBytes(t, storage, layout), 0);
    jobs = checkpoint.tensors
      .map((t) => ({
        tensor: t,
        start: dataOffset + t.info.begin,
        end: dataOffset + t.info.end,
        writer: null as TensorWriter | null,
      }))
      .sort((a, b) => a.start - b.start);

    let pos = dataOffset; // file offset of the next byte the source delivers
    let next = 0; // first job not finished
    let unsynced = 0;
    for (let chunk = await source.next(); chunk; chunk = await source.next()) {
      let p = 0;
      while (p < chunk.length && next < jobs.length) {
        const job = jobs[next];
        const at = pos + p;
        if (at < job.start) {
          p += Math.min(job.start - at, chunk.length - p); // a gap or a tensor we do not load
          continue;
        }
        if (!job.writer) {
          const t = job.tensor;
          const bytes = bufferBytes(t, storage, layout);
          const buffer = await createBuffer(gpu, t.key, bytes, totalBytes);
          buffers.set(t.key, buffer);
          const dst = t.kind === 'matrix' ? storage : 'f32';
          const where = `${files.description}: model.safetensors: tensor "${t.info.name}"`;
          job.writer = new TensorWriter(
            gpu,
            buffer,
            t.info.dtype,
            dst,
            t.info.elements,
            scratch,
            where,
            layout === 'row-per-output' && t.conv1d ? { rows: t.shape[0], cols: t.shape[1] } : null,
          );
        }
        const n = Math.min(job.end - at, chunk.length - p);
        job.writer.push(chunk.subarray(p, p + n));
        p += n;
        if (at + n === job.end) {
          job.writer.finish();
          next++;
        }
      }
      pos += chunk.length;
      unsynced += chunk.length;
      if (unsynced >= SYNC_EVERY_BYTES) {
        unsynced = 0;
        await abortable(gpu.device.queue.onSubmittedWorkDone(), signal);
      }
    }
    if (source.received < opened.size || next < jobs.length) source.throwTruncated();
    await abortable(gpu.device.queue.onSubmittedWorkDone(), signal);
    return assemble(gpu, config, storage, layout, buffers);
  } catch (e) {
    for (const job of jobs) job.writer?.discard();
    for (const b of buffers.values()) gpu.destroyBuffer(b);
    source.cancel(e);
    throw e;
  }
}

function parseConfigText(text: string, description: string): Gpt2Config {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      `${description}: config.json is ${formatBytes(text.length)}, far more than a GPT-2 ` +
        `config (~1 kB; the limit is ${formatBytes(MAX_CONFIG_BYTES)}). Check the model name or ` +
        'URL: this is not a config.json.',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `${description}: config.json is not valid JSON (${excerpt((e as Error).message, 120, false)}). ` +
        'The server may have sent an error page instead: check the model name or URL.',
    );
  }
  return withSource(description, () => parseGpt2Config(json));
}

/** Runs `f`, prefixing a format error's message with where the files came from. */
function withSource<T>(description: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WeightsFormatError)
      throw new WeightsFormatError(`${description}: ${e.message}`);
    if (e instanceof ConfigError) throw new ConfigError(`${description}: ${e.message}`);
    throw e;
  }
}

function checkBufferLimits(
  gpu: GpuContext,
  tensors: MappedTensor[],
  storage: WeightStorage,
  layout: WeightLayout,
): void {
  const { maxBufferSize, maxStorageBufferBindingSize } = gpu.capabilities;
  const limit = Math.min(maxBufferSize, maxStorageBufferBindingSize);
  for (const t of tensors) {
    const bytes = bufferBytes(t, storage, layout);
    if (bytes > limit) {
      throw new ModelTooLargeError(
        `${t.key} needs ${formatBytes(bytes)} in one GPU buffer, but this GPU binds at most ` +
          `${formatBytes(limit)} per storage buffer. ` +
          (storage === 'f32' && t.kind === 'matrix'
            ? 'Load the weights as f16 to halve it, or use a smaller model.'
            : 'Use a smaller model.'),
      );
    }
  }
}

/** Held row per output, matrices are read in whole 16-byte words (matvec_v2.wgsl). */
function bufferBytes(t: MappedTensor, storage: WeightStorage, layout: WeightLayout): number {
  const matrix = t.kind === 'matrix';
  return weightBufferBytes(
    t.info.elements,
    matrix ? storage : 'f32',
    matrix && layout === 'row-per-output',
  );
}

/** One weight buffer, inside an out-of-memory scope so a refusal becomes a clear error. */
async function createBuffer(
  gpu: GpuContext,
  label: string,
  bytes: number,
  totalBytes: number,
): Promise<GPUBuffer> {
  const { device } = gpu;
  device.pushErrorScope('out-of-memory');
  let buffer: GPUBuffer | null = null;
  let failure: unknown = null;
  try {
    buffer = gpu.createBuffer(label, bytes, WEIGHT_USAGE());
  } catch (e) {
    failure = e;
  }
  // Popped even after a throw, so the scope never outlives this call.
  const oom = await device.popErrorScope();
  if (failure) throw failure;
  if (oom) {
    gpu.destroyBuffer(buffer!);
    throw new GpuOutOfMemoryError(
      `The GPU ran out of memory allocating ${formatBytes(totalBytes)} of weights (${oom.message}). ` +
        'Close other GPU-heavy tabs, load the weights as f16, or use a smaller model.',
    );
  }
  return buffer!;
}

function assemble(
  gpu: GpuContext,
  config: Gpt2Config,
  storage: WeightStorage,
  layout: WeightLayout,
  buffers: Map<string, GPUBuffer>,
): Gpt2Weights {
  const get = (key: string): GPUBuffer => {
    const b = buffers.get(key);
    if (!b) throw new Error(`internal: no buffer for ${key}`);
    return b;
  };
  const linear = (name: string): LinearWeights => ({
    weight: get(`${name}.weight`),
    bias: get(`${name}.bias`),
  });
  const layerNorm = (name: string): LayerNormWeights => ({
    gamma: get(`${name}.weight`),
    beta: get(`${name}.bias`),
  });
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < config.nLayer; i++) {
    blocks.push({
      ln1: layerNorm(`h.${i}.ln_1`),
      attn: linear(`h.${i}.attn.c_attn`),
      attnProj: linear(`h.${i}.attn.c_proj`),
      ln2: layerNorm(`h.${i}.ln_2`),
      fc: linear(`h.${i}.mlp.c_fc`),
      fcProj: linear(`h.${i}.mlp.c_proj`),
    });
  }
  let gpuBytes = 0;
  for (const b of buffers.values()) gpuBytes += b.size;
  return {
    config,
    storage,
    layout,
    wte: get('wte.weight'),
    wpe: get('wpe.weight'),
    lnF: layerNorm('ln_f'),
    blocks,
    gpuBytes,
    destroy() {
      for (const b of buffers.values()) gpu.destroyBuffer(b);
      buffers.clear();
    },
  };
}

/**
 * Bytes from an opened file's stream, with abort, progress and length checks. Bytes
 * handed back with `readUpTo`'s overshoot are served again before new reads.
 */
class ChunkSource {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private leftover: Uint8Array | null = null;
  /** Bytes received from the stream so far. */
  received = 0;

  constructor(
    private readonly file: OpenedFile,
    private readonly description: string,
    private readonly signal: AbortSignal | undefined,
    private readonly onProgress: ((p: LoadProgress) => void) | undefined,
  ) {
    this.reader = file.stream.getReader();
  }

  report(): void {
    this.onProgress?.({
      file: WEIGHTS_FILE,
      loaded: this.received,
      total: this.file.size,
      fromCache: this.file.fromCache,
    });
  }

  async next(): Promise<Uint8Array | null> {
    this.signal?.throwIfAborted();
    if (this.leftover) {
      const l = this.leftover;
      this.leftover = null;
      return l;
    }
    for (;;) {
      const { done, value } = await abortable(this.reader.read(), this.signal);
      if (done) return null;
      if (value.length === 0) continue;
      this.received += value.length;
      if (this.received > this.file.size) {
        throw new WeightsFormatError(
          `${this.description}: model.safetensors is longer than the ${this.file.size} bytes ` +
            'its source declared. The server or cache is inconsistent: load it again.',
        );
      }
      this.report();
      return value;
    }
  }

  /** Up to n bytes; fewer only when the stream ends first. */
  async readUpTo(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let have = 0;
    while (have < n) {
      const chunk = await this.next();
      if (!chunk) return out.subarray(0, have);
      const take = Math.min(n - have, chunk.length);
      out.set(chunk.subarray(0, take), have);
      have += take;
      if (take < chunk.length) this.leftover = chunk.subarray(take);
    }
    return out;
  }

  throwTruncated(): never {
    throw new WeightsFormatError(
      `${this.description}: model.safetensors is truncated (expected ${this.file.size} bytes, ` +
        `got ${this.received}). The download was cut short or a cached copy is incomplete: ` +
        'load it again, and clear the cached copy if this repeats.',
    );
  }

  cancel(reason: unknown): void {
    this.reader.cancel(reason).catch(() => {});
  }
}

/** Rejects with the signal's reason (an AbortError) as soon as it fires, even mid-read. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** One block of input and one of output, shared by the tensors (loaded one at a time). */
class Scratch {
  readonly input = new ArrayBuffer(BLOCK_ELEMENTS * 4);
  readonly output = new ArrayBuffer(BLOCK_ELEMENTS * 4);
  readonly inU8 = new Uint8Array(this.input);
  readonly inU16 = new Uint16Array(this.input);
  readonly inF32 = new Float32Array(this.input);
  readonly outU8 = new Uint8Array(this.output);
  readonly outU16 = new Uint16Array(this.output);
  readonly outU32 = new Uint32Array(this.output);
  readonly outF32 = new Float32Array(this.output);
}

let f16Table: Float32Array | null = null;

/** All 65536 halves widened once: faster than decoding each of a model's millions. */
function f16ToF32Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32(h);
  }
  return f16Table;
}

/**
 * Receives one tensor's file bytes in order, in pieces of any size (a piece may end
 * mid-element), and uploads them converted to `dst`. Typed-array views read the file's
 * little-endian values directly: every platform WebGPU runs on is little-endian.
 * A `transpose`d tensor ([rows, cols] in the file) goes to a staging buffer of its own size
 * first; `finish` transposes it on the GPU into `buffer` and frees the staging buffer, so a
 * load never holds more than one extra copy of one matrix.
 */
class TensorWriter {
  private fill = 0; // bytes of the current block in scratch.input
  private written = 0; // bytes uploaded so far
  private readonly srcBytes: number;
  private readonly blockBytes: number;
  private staging: GPUBuffer | null = null;

  constructor(
    private readonly gpu: GpuContext,
    private readonly buffer: GPUBuffer,
    private readonly src: SafetensorsDtype,
    private readonly dst: WeightStorage,
    private readonly elements: number,
    private readonly scratch: Scratch,
    /** Names the tensor in errors: "<source>: model.safetensors: tensor \"h.0.ln_1.bias\"". */
    private readonly where: string,
    private readonly transpose: { rows: number; cols: number } | null = null,
  ) {
    this.srcBytes = DTYPE_BYTES[src];
    this.blockBytes = BLOCK_ELEMENTS * this.srcBytes;
  }

  /** Where converted bytes go: the tensor's buffer, or its staging buffer when transposed. */
  private target(): GPUBuffer {
    if (!this.transpose) return this.buffer;
    this.staging ??= this.gpu.createBuffer(
      `${this.buffer.label}.file_layout`,
      this.buffer.size,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    );
    return this.staging;
  }

  /** Frees the staging buffer (after the transpose, or of a load that failed half-way). */
  discard(): void {
    if (this.staging) this.gpu.destroyBuffer(this.staging);
    this.staging = null;
  }

  push(bytes: Uint8Array): void {
    let p = 0;
    while (p < bytes.length) {
      const n = Math.min(this.blockBytes - this.fill, bytes.length - p);
      this.scratch.inU8.set(bytes.subarray(p, p + n), this.fill);
      this.fill += n;
      p += n;
      if (this.fill === this.blockBytes) this.flush();
    }
  }

  finish(): void {
    if (this.fill > 0) this.flush();
    const expected = this.elements * (this.dst === 'f16' ? 2 : 4);
    if (this.written !== expected) {
      throw new Error(`internal: ${this.buffer.label} got ${this.written} of ${expected} bytes`);
    }
    if (this.transpose && this.staging) {
      const label = `${this.buffer.label}.transpose`;
      const encoder = this.gpu.device.createCommandEncoder({ label });
      const call = encodeTranspose(
        this.gpu,
        encoder,
        label,
        { src: this.staging, out: this.buffer },
        { rowsIn: this.transpose.rows, colsIn: this.transpose.cols, f16: this.dst === 'f16' },
      );
      this.gpu.device.queue.submit([encoder.finish()]);
      // Freed now, released by the GPU once the submitted transpose has run.
      call.destroy();
      this.discard();
    }
  }

  private flush(): void {
    const count = this.fill / this.srcBytes;
    this.checkFinite(count);
    const out = this.convert(count);
    if (this.dst === 'f16' && this.src !== 'F16') this.checkF16Range(count);
    // Only a tensor's last block can end mid-word; gpu.write pads it with a zero half.
    this.gpu.write(this.target(), out, this.written);
    this.written += out.byteLength;
    this.fill = 0;
  }

  /**
   * A NaN or infinite weight makes every token's logits NaN; the sampler could only say it
   * found no finite logit. Refusing here names the tensor, so the fault is found at load.
   */
  private checkFinite(count: number): void {
    const s = this.scratch;
    let bad = -1;
    if (this.src === 'F32') {
      for (let i = 0; i < count; i++) {
        const x = s.inF32[i];
        if (x - x !== 0) {
          bad = i;
          break;
        }
      }
    } else {
      const mask = this.src === 'F16' ? 0x7c00 : 0x7f80; // all exponent bits set: Inf or NaN
      for (let i = 0; i < count; i++) {
        if ((s.inU16[i] & mask) === mask) {
          bad = i;
          break;
        }
      }
    }
    if (bad < 0) return;
    const value =
      this.src === 'F32'
        ? s.inF32[bad]
        : this.src === 'F16'
          ? f16BitsToF32(s.inU16[bad])
          : bf16BitsToF32(s.inU16[bad]);
    throw new WeightsFormatError(
      `${this.where} holds ${value} at element ${this.elementIndex(bad)}: a model with a ` +
        'non-finite weight produces NaN for every token. The file is damaged, or was saved ' +
        'after training diverged: download it again or use another checkpoint.',
    );
  }

  /** A finite f32 or bf16 above f16's largest value (65504) would become Infinity. */
  private checkF16Range(count: number): void {
    const s = this.scratch;
    for (let i = 0; i < count; i++) {
      if ((s.outU16[i] & 0x7c00) === 0x7c00) {
        const value = this.src === 'F32' ? s.inF32[i] : bf16BitsToF32(s.inU16[i]);
        throw new WeightsFormatError(
          `${this.where} holds ${value} at element ${this.elementIndex(i)}, beyond the f16 ` +
            'range (±65504): stored as f16 it would become Infinity. Load the weights as f32.',
        );
      }
    }
  }

  private elementIndex(inBlock: number): number {
    return this.written / (this.dst === 'f16' ? 2 : 4) + inBlock;
  }

  private convert(count: number): Uint8Array {
    const s = this.scratch;
    switch (`${this.src}>${this.dst}`) {
      case 'F32>f32':
      case 'F16>f16':
        return s.inU8.subarray(0, this.fill);
      case 'F32>f16':
        for (let i = 0; i < count; i++) s.outU16[i] = f32ToF16Bits(s.inF32[i]);
        return s.outU8.subarray(0, count * 2);
      case 'BF16>f16':
        for (let i = 0; i < count; i++) s.outU16[i] = f32ToF16Bits(bf16BitsToF32(s.inU16[i]));
        return s.outU8.subarray(0, count * 2);
      case 'F16>f32': {
        const table = f16ToF32Table();
        for (let i = 0; i < count; i++) s.outF32[i] = table[s.inU16[i]];
        return s.outU8.subarray(0, count * 4);
      }
      case 'BF16>f32':
        for (let i = 0; i < count; i++) s.outU32[i] = s.inU16[i] << 16;
        return s.outU8.subarray(0, count * 4);
      default:
        throw new Error(`internal: no conversion ${this.src} -> ${this.dst}`);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

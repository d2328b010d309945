import topkKernel from '../../shaders/topk.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { linkWgsl } from './wgsl-lib.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

const source = linkWgsl(topkKernel, 'chunkTop');

export const topkLayout = new UniformLayout([
  ['n', 'u32'],
  ['pairs_in', 'u32'],
  ['groups_x', 'u32'],
  ['keep_out', 'u32'],
] as const);

/** How many of the largest logits the sampler proves its choice from and the UI shows. */
export const CANDIDATES = 64;
/**
 * Entries the kernel outputs: the CANDIDATES and the next one, which shows whether the
 * 64th value has ties beyond it (needed to apply top-k = 64 exactly).
 */
export const TOPK_ENTRIES = CANDIDATES + 1;
/** Bytes of the output: TOPK_ENTRIES pairs (f32 value bits, u32 id). */
export const TOPK_OUTPUT_BYTES = TOPK_ENTRIES * 8;
/** Entries one workgroup of topk.wgsl reads (its CHUNK) and keeps (its KEEP). */
export const TOPK_CHUNK = 1024;
export const TOPK_KEEP = 128;
/** The id of a padding entry (value -inf), found in the output when V < TOPK_ENTRIES. */
export const TOPK_PAD_ID = 0xffffffff;

/** One of the largest logits: its vocabulary id and value. */
export interface Candidate {
  id: number;
  logit: number;
}

/**
 * Input sizes of the rounds for a vocabulary of V: each round keeps TOPK_KEEP per chunk,
 * until one chunk (one workgroup) is left. V = 50257 gives 50257, 6400, 896.
 */
export function topkRounds(V: number): number[] {
  const rounds = [V];
  let n = V;
  while (n > TOPK_CHUNK) {
    n = Math.ceil(n / TOPK_CHUNK) * TOPK_KEEP;
    rounds.push(n);
  }
  return rounds;
}

/**
 * The TOPK_ENTRIES largest of logits[0 .. V) with their ids, sorted by value descending and
 * then id ascending, written to `out` as `array<vec2<u32>>` (x = f32 bits, y = id): see
 * topk.wgsl for NaN (read as -inf), -0 (read as +0) and padding when V < TOPK_ENTRIES.
 *
 * The rounds are planned for `maxV` at construction, each its own dispatch with its own
 * uniform and bind group; the intermediate survivors live in two scratch buffers owned
 * here. A smaller V at encode runs the same rounds on fewer entries (a late round may then
 * re-sort a single chunk: one small workgroup).
 */
export class TopKCall {
  private readonly calls: KernelCall<'n' | 'pairs_in' | 'groups_x' | 'keep_out'>[] = [];
  private readonly scratch: GPUBuffer[] = [];

  constructor(
    private readonly gpu: GpuContext,
    readonly label: string,
    buffers: { logits: GPUBuffer; out: GPUBuffer },
    readonly options: { maxV: number },
  ) {
    const { maxV } = options;
    if (!Number.isInteger(maxV) || maxV < 1) {
      throw new RangeError(`${label}: maxV must be an integer >= 1, got ${maxV}`);
    }
    if (buffers.logits.size < maxV * 4) {
      throw new RangeError(
        `${label}: logits buffer holds ${buffers.logits.size} bytes, fewer than maxV = ${maxV} floats`,
      );
    }
    if (buffers.out.size < TOPK_OUTPUT_BYTES) {
      throw new RangeError(
        `${label}: out buffer holds ${buffers.out.size} bytes, needs ${TOPK_OUTPUT_BYTES}`,
      );
    }
    const rounds = topkRounds(maxV);
    const pipeline = gpu.pipeline('topk', source);
    // Round r writes scratch[r % 2] (the last round writes `out`) and round r + 1 reads it.
    // Rounds shrink, so rounds 0 and 1 set the two sizes.
    const written = rounds.slice(0, -1).map((n) => Math.ceil(n / TOPK_CHUNK) * TOPK_KEEP * 8);
    for (let p = 0; p < Math.min(2, written.length); p++) {
      this.scratch.push(
        gpu.createBuffer(`${label}.survivors${p}`, written[p], GPUBufferUsage.STORAGE),
      );
    }
    for (let r = 0; r < rounds.length; r++) {
      const input = r === 0 ? buffers.logits : this.scratch[(r - 1) % 2];
      const output = r === rounds.length - 1 ? buffers.out : this.scratch[r % 2];
      this.calls.push(
        new KernelCall(gpu, `${label}.round${r}`, pipeline, topkLayout, [input, output]),
      );
    }
  }

  encode(pass: GPUComputePassEncoder, sizes: { V: number }): void {
    const { V } = sizes;
    if (!Number.isInteger(V) || V < 1 || V > this.options.maxV) {
      throw new RangeError(
        `${this.label}: V must be an integer in [1, ${this.options.maxV}], got ${V}`,
      );
    }
    let n = V;
    const last = this.calls.length - 1;
    this.calls.forEach((call, r) => {
      const groups = Math.ceil(n / TOPK_CHUNK);
      const [x, y] = grid1d(groups);
      const keep_out = r === last ? TOPK_ENTRIES : TOPK_KEEP;
      call.encode(pass, { n, pairs_in: r === 0 ? 0 : 1, groups_x: x, keep_out }, [x, y]);
      n = groups * TOPK_KEEP;
    });
  }

  destroy(): void {
    for (const call of this.calls) call.destroy();
    for (const b of this.scratch) this.gpu.destroyBuffer(b);
  }
}

/**
 * The first `count` entries of a topk output (as read back), best first, without padding.
 * Take all TOPK_ENTRIES (the default) for the sampler: with V < TOPK_ENTRIES this yields
 * the V real entries, so fewer than CANDIDATES entries means the whole vocabulary.
 */
export function parseCandidates(bytes: ArrayBuffer, count: number = TOPK_ENTRIES): Candidate[] {
  if (!Number.isInteger(count) || count < 0 || count > TOPK_ENTRIES) {
    throw new RangeError(`parseCandidates: count must be an integer in [0, ${TOPK_ENTRIES}]`);
  }
  if (bytes.byteLength < count * 8) {
    throw new RangeError(
      `parseCandidates: ${bytes.byteLength} bytes hold fewer than ${count} candidates (8 bytes each)`,
    );
  }
  const values = new Float32Array(bytes, 0, count * 2);
  const ids = new Uint32Array(bytes, 0, count * 2);
  const out: Candidate[] = [];
  for (let i = 0; i < count; i++) {
    if (ids[2 * i + 1] === TOPK_PAD_ID) break;
    out.push({ id: ids[2 * i + 1], logit: values[2 * i] });
  }
  return out;
}

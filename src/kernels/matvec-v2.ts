import source from '../../shaders/matvec_v2.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { linkGroupSum } from './group-sum.ts';
import { KernelCall, grid1d } from './kernel-call.ts';

export const matvecV2Layout = new UniformLayout([
  ['K', 'u32'],
  ['N', 'u32'],
  ['in_row', 'u32'],
  ['out_offset', 'u32'],
  ['split', 'u32'],
  ['heads', 'u32'],
  ['splits', 'u32'],
  ['eps', 'f32'],
] as const);

/**
 * What kernels are shaped for: a GPU (many invocations, split K: enough work in flight), or
 * a CPU emulator (SwiftShader: few fat invocations; every extra workgroup costs it a
 * zeroing of workgroup memory and barrier round trips, and buys no parallelism).
 */
export type KernelShape = 'gpu' | 'cpu';

/** Floats of the input row that prologues 1 and 2 stage in workgroup memory. */
export const MATVEC_V2_MAX_STAGED = 2048;
/** heads * splits the combine prologue can weigh at once. */
export const MATVEC_V2_MAX_COMBINE = 256;

/**
 * How the input row is formed: as stored, through a layernorm (the layernorm folded into its
 * consumer), or as the flash-decoding combine of attention partials (see matvec_v2.wgsl).
 */
export type MatvecPrologue =
  { kind: 'none' } | { kind: 'layernorm'; gamma: GPUBuffer; beta: GPUBuffer } | { kind: 'combine' };

export interface MatvecV2Buffers {
  /** f32: the rows read (prologues none/layernorm) or the attention partials (combine). */
  input: GPUBuffer;
  /** [N, K] row per output: f32 words or packed f16 pairs. */
  weight: GPUBuffer;
  /** f32 [N]; omit for no bias (the tied LM head). */
  bias?: GPUBuffer;
  /** f32; must not be `input`. Read too when `accumulate`. */
  out: GPUBuffer;
  /** kvOut: where columns [split, 2 split) and [2 split, 3 split) go (the K and V caches). */
  outK?: GPUBuffer;
  outV?: GPUBuffer;
}

export interface MatvecV2Options {
  weightsF16: boolean;
  prologue: MatvecPrologue;
  gelu?: boolean;
  accumulate?: boolean;
  /** Columns split in three into out, outK, outV (c_attn writing q, k, v into the caches). */
  kvOut?: boolean;
  /** Rows per invocation, 1..4: more rows share each input load and each prologue. */
  rowsPerInvocation?: number;
  /**
   * Invocations per weight row: 64 (default), or 16 for short rows (the LM head: more rows
   * per workgroup share its layernorm), or 4 on a CPU emulator (few fat invocations, as a
   * CPU wants, rather than the many a GPU needs in flight). Raised to the subgroup size when subgroups are used
   * and larger, since a subgroup must not span two rows.
   */
  lanesPerRow?: 4 | 16 | 64;
  /** Reduce with subgroupAdd (default: when the device has `subgroups`). */
  subgroups?: boolean;
}

export interface MatvecV2Sizes {
  K: number;
  N: number;
  /** Row of input read (prologues none/layernorm); default 0. */
  inRow?: number;
  /** First element written in out (and outK, outV); default 0. */
  outOffset?: number;
  /** kvOut: columns per destination. */
  split?: number;
  /** combine: heads and key splits of the partials. */
  heads?: number;
  splits?: number;
  /** layernorm: epsilon. */
  eps?: number;
}

/**
 * out (= or +=) act(W[N, K] x + bias), one output per weight row, for decode (one token):
 * every weight byte read once in 16-byte loads by 64 invocations per row.
 */
export class MatvecV2Call {
  private readonly call: KernelCall<(typeof matvecV2Layout.fields)[number][0]>;
  private readonly standIns: GPUBuffer[] = [];
  private readonly bytes: {
    input: number;
    weight: number;
    out: number;
    outK: number;
    outV: number;
  };
  private readonly rpi: number;
  private readonly group: number;

  constructor(
    private readonly gpu: GpuContext,
    readonly label: string,
    buffers: MatvecV2Buffers,
    private readonly options: MatvecV2Options,
  ) {
    const rpi = (this.rpi = options.rowsPerInvocation ?? 1);
    if (!Number.isInteger(rpi) || rpi < 1 || rpi > 4) {
      throw new RangeError(`${label}: rowsPerInvocation must be 1..4, got ${rpi}`);
    }
    if (options.kvOut && options.accumulate) {
      throw new RangeError(`${label}: kvOut writes the caches; it cannot accumulate`);
    }
    const standIn = (name: string) => {
      const b = gpu.createBuffer(`${label}.${name}.unused`, 16, GPUBufferUsage.STORAGE);
      this.standIns.push(b);
      return b;
    };
    const p = options.prologue;
    const gamma = p.kind === 'layernorm' ? p.gamma : standIn('gamma');
    const beta = p.kind === 'layernorm' ? p.beta : standIn('beta');
    const bias = buffers.bias ?? standIn('bias');
    const outK = options.kvOut ? buffers.outK : standIn('out_k');
    const outV = options.kvOut ? buffers.outV : standIn('out_v');
    if (!outK || !outV) throw new RangeError(`${label}: kvOut needs outK and outV`);
    const subgroups = options.subgroups ?? gpu.capabilities.subgroups;
    // SwiftShader offers subgroups of 4 even when a test forces them here.
    const subgroupSize = subgroups ? Math.max(gpu.capabilities.subgroupMaxSize, 4) : 0;
    this.group = Math.max(options.lanesPerRow ?? 64, subgroupSize);
    const code = linkGroupSum(source, subgroups);
    const pipeline = gpu.pipeline(`matvec_v2${subgroups ? '.subgroups' : ''}`, code, {
      WEIGHTS_F16: options.weightsF16,
      PROLOGUE: { none: 0, layernorm: 1, combine: 2 }[p.kind],
      BIAS: buffers.bias !== undefined,
      GELU: options.gelu ?? false,
      ACCUMULATE: options.accumulate ?? false,
      KV_OUT: options.kvOut ?? false,
      RPI: rpi,
      GROUP: this.group,
    });
    this.call = new KernelCall(gpu, label, pipeline, matvecV2Layout, [
      buffers.input,
      buffers.weight,
      bias,
      buffers.out,
      gamma,
      beta,
      outK,
      outV,
    ]);
    this.bytes = {
      input: buffers.input.size,
      weight: buffers.weight.size,
      out: buffers.out.size,
      outK: outK.size,
      outV: outV.size,
    };
  }

  /** Rows one workgroup (of 256 invocations) computes. */
  get rowsPerWorkgroup(): number {
    return (256 / this.group) * this.rpi;
  }

  encode(pass: GPUComputePassEncoder, sizes: MatvecV2Sizes): void {
    const { K, N } = sizes;
    const inRow = sizes.inRow ?? 0;
    const outOffset = sizes.outOffset ?? 0;
    const split = sizes.split ?? 0;
    const heads = sizes.heads ?? 0;
    const splits = sizes.splits ?? 0;
    this.check(sizes, inRow, outOffset, split, heads, splits);
    this.call.encode(
      pass,
      { K, N, in_row: inRow, out_offset: outOffset, split, heads, splits, eps: sizes.eps ?? 0 },
      grid1d(Math.ceil(N / this.rowsPerWorkgroup)),
    );
  }

  destroy(): void {
    this.call.destroy();
    for (const b of this.standIns) this.gpu.destroyBuffer(b);
  }

  /** Out-of-range accesses are silently clamped on the GPU, so catch wrong sizes here. */
  private check(
    { K, N }: MatvecV2Sizes,
    inRow: number,
    outOffset: number,
    split: number,
    heads: number,
    splits: number,
  ): void {
    const o = this.options;
    const fail = (what: string) => {
      throw new RangeError(`${this.label}: ${what} (K=${K} N=${N})`);
    };
    if (!(K >= 1 && N >= 1)) fail('K and N must be at least 1');
    // The weight buffer is read as vec4<u32>: whole 16-byte words only.
    const weightWords = o.weightsF16 ? Math.ceil((K * N) / 2) : K * N;
    if (Math.floor(this.bytes.weight / 16) * 4 < weightWords) {
      fail(
        `weight buffer has ${this.bytes.weight} bytes (read in whole 16-byte words), needs ${weightWords * 4}`,
      );
    }
    const kind = o.prologue.kind;
    if (kind !== 'none' && K > MATVEC_V2_MAX_STAGED) {
      fail(`the ${kind} prologue stages at most ${MATVEC_V2_MAX_STAGED} inputs`);
    }
    if (kind === 'combine') {
      if (!(heads >= 1 && splits >= 1) || K % heads !== 0)
        fail(`combine needs heads dividing K and splits >= 1`);
      if (heads * splits > MATVEC_V2_MAX_COMBINE)
        fail(`heads * splits above ${MATVEC_V2_MAX_COMBINE}`);
      if (this.bytes.input < (K * splits + 2 * heads * splits) * 4)
        fail('input holds fewer partials than heads, splits need');
    } else if (this.bytes.input < (inRow + 1) * K * 4) {
      fail(`input holds fewer than ${inRow + 1} rows`);
    }
    if (o.kvOut) {
      if (split * 3 !== N) fail(`kvOut needs N = 3 * split, split=${split}`);
      const need = (outOffset + split) * 4;
      if (Math.min(this.bytes.out, this.bytes.outK, this.bytes.outV) < need)
        fail(`caches hold fewer than ${outOffset + split} floats`);
    } else if (this.bytes.out < (outOffset + N) * 4) {
      fail(`out holds fewer than ${outOffset + N} floats`);
    }
    if (Math.ceil(N / this.rowsPerWorkgroup) > 65535 * 65535)
      fail('too many rows for one dispatch');
  }
}

/**
 * Rows per invocation and invocations per row of matvec_v2 for one kind of decode matrix.
 * On a GPU: 64 invocations per row, and 4 rows each for the wide matrices (c_attn, c_fc: 36k
 * and 48k invocations for GPT-2 small), 1 for the narrow ones (c_proj: 49k), the LM head at
 * 16 per row and 4 rows each (64 rows per workgroup share its layernorm prologue). On a CPU:
 * 4 per row, 4 rows each (256 rows per workgroup): v1's count of invocations, since each
 * costs an emulator more than it buys.
 */
export function matvecV2Geometry(
  shape: KernelShape,
  rows: 'wide' | 'narrow' | 'head',
): { rowsPerInvocation: number; lanesPerRow: 4 | 16 | 64 } {
  if (shape === 'cpu') return { rowsPerInvocation: 4, lanesPerRow: 4 };
  if (rows === 'head') return { rowsPerInvocation: 4, lanesPerRow: 16 };
  return { rowsPerInvocation: rows === 'wide' ? 4 : 1, lanesPerRow: 64 };
}

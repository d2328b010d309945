import source from '../../shaders/matmul_v2.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';
import { SplitKSumCall } from './split-k-sum.ts';

export const matmulV2Source = source;
export const matmulV2Layout = new UniformLayout([
  ['T', 'u32'],
  ['K', 'u32'],
  ['N', 'u32'],
  ['splits', 'u32'],
  ['k_tiles_per_split', 'u32'],
  ['gelu', 'u32'],
  ['accumulate', 'u32'],
] as const);

/** Output tile side and K tile depth of matmul_v2.wgsl. */
export const MATMUL_V2_TILE = 64;
export const MATMUL_V2_BK = 8;
/**
 * Workgroups a prefill matmul should have to fill a big GPU (80-128 SMs, a few workgroups
 * each): below it, K is split. A CPU emulator wants 1 (no split): it runs a handful of
 * workgroups at a time, and each extra one costs it a zeroing of workgroup memory.
 */
export const SPLIT_K_TARGET_WORKGROUPS = 256;
/** Fewest K tiles one split handles, so partial sums stay small next to the weights read. */
const MIN_K_TILES_PER_SPLIT = 8;
/**
 * Floats of split-K partial sums any call may need: splits are only used while tiles < 256,
 * with splits <= ceil(256 / tiles), so splits * tiles < 512 tiles of 64 x 64.
 */
export const SPLIT_K_PARTIAL_FLOATS = 2 * SPLIT_K_TARGET_WORKGROUPS * MATMUL_V2_TILE ** 2;

export interface MatmulV2Sizes {
  T: number;
  K: number;
  N: number;
}

export interface MatmulV2Plan {
  /** Workgroups: (column tiles, row tiles, splits). */
  workgroups: [number, number, number];
  splits: number;
  kTilesPerSplit: number;
}

/**
 * Whether matmul_v2.wgsl serves this shape: rows must start on 16-byte boundaries (W's rows
 * are N long in Conv1D layout, K long when held row per output).
 */
export function matmulV2Supports(
  K: number,
  N: number,
  weightsF16: boolean,
  rowPerOutput = false,
): boolean {
  if (rowPerOutput) return K % (weightsF16 ? 8 : 4) === 0 && N % 4 === 0;
  return K % 4 === 0 && N % (weightsF16 ? 8 : 4) === 0;
}

/**
 * Tiles and K splits for one call: K is split only while the tiles alone are fewer than
 * `target` workgroups (at most SPLIT_K_TARGET_WORKGROUPS), and never below
 * MIN_K_TILES_PER_SPLIT K tiles per split.
 */
export function planMatmulV2(
  { T, K, N }: MatmulV2Sizes,
  target = SPLIT_K_TARGET_WORKGROUPS,
): MatmulV2Plan {
  const x = Math.ceil(N / MATMUL_V2_TILE);
  const y = Math.ceil(T / MATMUL_V2_TILE);
  const kTiles = Math.max(1, Math.ceil(K / MATMUL_V2_BK));
  const want = Math.min(target, SPLIT_K_TARGET_WORKGROUPS);
  let splits = 1;
  if (x * y < want) {
    const most = Math.max(1, Math.floor(kTiles / MIN_K_TILES_PER_SPLIT));
    splits = Math.min(Math.ceil(want / (x * y)), most);
  }
  const kTilesPerSplit = Math.ceil(kTiles / splits);
  splits = Math.ceil(kTiles / kTilesPerSplit); // no empty split
  return { workgroups: [x, y, splits], splits, kTilesPerSplit };
}

export interface MatmulV2Buffers {
  /** f32 [T, K]. */
  input: GPUBuffer;
  /** Conv1D weight [K, N] (or [N, K] with rowPerOutput), f32 words or packed f16 pairs. */
  weight: GPUBuffer;
  /** f32 [N]. */
  bias: GPUBuffer;
  /** f32 [T, N]; must not be `input`. */
  out: GPUBuffer;
  /** f32 scratch of SPLIT_K_PARTIAL_FLOATS, may be shared by every call of one pass. */
  partials: GPUBuffer;
}

export interface MatmulV2Options {
  weightsF16: boolean;
  gelu: boolean;
  accumulate: boolean;
  /** Workgroups to aim for by splitting K (default SPLIT_K_TARGET_WORKGROUPS; 1: never split). */
  splitKTarget?: number;
  /** W is held row per output [N, K] (the v2 decode layout) rather than Conv1D [K, N]. */
  rowPerOutput?: boolean;
}

/**
 * out[T, N] (= or +=) act(in[T, K] @ W[K, N] + bias[N]) with matmul_v2.wgsl, plus the
 * split-K combine when the plan splits K. Sizes are checked by the caller (LinearCall).
 */
export class MatmulV2Call {
  private readonly matmul: KernelCall<
    'T' | 'K' | 'N' | 'splits' | 'k_tiles_per_split' | 'gelu' | 'accumulate'
  >;
  /** Null when the plan never splits (target 1): its pipeline is then never compiled. */
  private readonly sum: SplitKSumCall | null;
  private readonly splitKTarget: number;
  private readonly epilogue: { gelu: number; accumulate: number };

  constructor(gpu: GpuContext, label: string, buffers: MatmulV2Buffers, options: MatmulV2Options) {
    this.splitKTarget = options.splitKTarget ?? SPLIT_K_TARGET_WORKGROUPS;
    if (buffers.partials.size < SPLIT_K_PARTIAL_FLOATS * 4) {
      throw new RangeError(
        `${label}: split-K partials buffer has ${buffers.partials.size} bytes, ` +
          `needs ${SPLIT_K_PARTIAL_FLOATS * 4}`,
      );
    }
    this.epilogue = { gelu: Number(options.gelu), accumulate: Number(options.accumulate) };
    const pipeline = gpu.pipeline('matmul_v2', source, {
      WEIGHTS_F16: options.weightsF16,
      ROW_PER_OUTPUT: options.rowPerOutput ?? false,
    });
    this.matmul = new KernelCall(gpu, `${label}.matmul_v2`, pipeline, matmulV2Layout, [
      buffers.input,
      buffers.weight,
      buffers.bias,
      buffers.out,
      buffers.partials,
    ]);
    this.sum =
      this.splitKTarget > 1
        ? new SplitKSumCall(gpu, `${label}.split_k_sum`, buffers, options)
        : null;
  }

  encode(pass: GPUComputePassEncoder, sizes: MatmulV2Sizes): void {
    const plan = planMatmulV2(sizes, this.splitKTarget);
    this.matmul.encode(
      pass,
      { ...sizes, ...this.epilogue, splits: plan.splits, k_tiles_per_split: plan.kTilesPerSplit },
      plan.workgroups,
    );
    if (plan.splits > 1) this.sum!.encode(pass, { T: sizes.T, N: sizes.N, splits: plan.splits });
  }

  destroy(): void {
    this.matmul.destroy();
    this.sum?.destroy();
  }
}

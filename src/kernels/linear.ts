import matmul from '../../shaders/matmul.wgsl?raw';
import matvec from '../../shaders/matvec.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';
import { MatmulV2Call, matmulV2Supports, SPLIT_K_PARTIAL_FLOATS } from './matmul-v2.ts';

/** The `struct Params` of both matmul.wgsl and matvec.wgsl. */
export const linearLayout = new UniformLayout([
  ['T', 'u32'],
  ['K', 'u32'],
  ['N', 'u32'],
] as const);

/** Output tile side of matmul.wgsl (v1), and columns per workgroup of matvec.wgsl. */
const MATMUL_TILE = 64;
const MATVEC_COLS = 16;
const MAX_GROUPS = 65535;

export interface LinearBuffers {
  /** f32 [T, K]. */
  input: GPUBuffer;
  /**
   * Conv1D weight [K, N] ([in, out]), or row per output [N, K] with `rowPerOutput`; f32
   * words or packed f16 pairs.
   */
  weight: GPUBuffer;
  /** f32 [N]. */
  bias: GPUBuffer;
  /** f32 [T, N]; must not be `input`. Read too when `accumulate`. */
  out: GPUBuffer;
  /**
   * Split-K scratch of SPLIT_K_PARTIAL_FLOATS f32 for matmul v2, shared by the calls of one
   * model (they run one after another). Made per call when absent.
   */
  partials?: GPUBuffer;
}

/** Which prefill matmul serves T > 1: v1 (matmul.wgsl, the baseline) or v2 (matmul_v2.wgsl). */
export type PrefillMatmul = 'v1' | 'v2';

export interface LinearOptions {
  /** weight holds packed f16 pairs rather than f32 words. */
  weightsF16: boolean;
  /** Apply GPT-2's tanh GELU to in @ W + bias. */
  gelu: boolean;
  /** out += result (the in-place residual update) instead of out = result. */
  accumulate: boolean;
  /**
   * Prefill kernel (default v2). v2 needs K % 4 == 0 and N % 4 == 0 (% 8 for f16 weights);
   * other shapes run v1 either way.
   */
  prefill?: PrefillMatmul;
  /**
   * Workgroups matmul v2 aims for by splitting K (default SPLIT_K_TARGET_WORKGROUPS, what a
   * big GPU needs; 1 never splits, for a CPU emulator).
   */
  splitKTarget?: number;
  /**
   * W is held row per output [N, K], as a model with the v2 decode kernels holds it: the
   * prefill matmuls read it so, and T = 1 is refused (decode then runs MatvecV2Call; v1's
   * matvec reads only Conv1D [K, N]).
   */
  rowPerOutput?: boolean;
}

export interface LinearSizes {
  T: number;
  K: number;
  N: number;
}

/**
 * out[T, N] (= or +=) act(in[T, K] @ W[K, N] + bias[N]). One call site on fixed buffers
 * that serves every T: a tiled matmul for prefill (v2, or v1 as the baseline and for shapes
 * v2 cannot load with 16-byte loads), the matvec for decode (T = 1). Each has its own
 * uniform, so one submit may hold a prefill and a decode of the same call, but not two
 * prefills of different T (see KernelCall).
 */
export class LinearCall {
  private matmulV1: KernelCall<'T' | 'K' | 'N'> | null = null;
  private readonly matmulV2: MatmulV2Call | null;
  /** Null when W is held row per output (decode then runs MatvecV2Call). */
  private readonly matvec: KernelCall<'T' | 'K' | 'N'> | null;
  private readonly ownPartials: GPUBuffer | null = null;
  private readonly bytes: { input: number; weight: number; bias: number; out: number };
  private readonly bindings: GPUBuffer[];
  private readonly constants: Record<string, boolean>;

  constructor(
    private readonly gpu: GpuContext,
    readonly label: string,
    buffers: LinearBuffers,
    private readonly options: LinearOptions,
  ) {
    const rowPerOutput = options.rowPerOutput ?? false;
    const constants = {
      WEIGHTS_F16: options.weightsF16,
      GELU: options.gelu,
      ACCUMULATE: options.accumulate,
    };
    const bindings = [buffers.input, buffers.weight, buffers.bias, buffers.out];
    this.bindings = bindings;
    this.constants = constants;
    this.bytes = {
      input: buffers.input.size,
      weight: buffers.weight.size,
      bias: buffers.bias.size,
      out: buffers.out.size,
    };
    // A buffer under 16 bytes cannot be bound as vec4s, and no shape v2 serves fits in one.
    if (bindings.every((b) => b.size >= 16)) {
      let partials = buffers.partials;
      if (!partials) {
        partials = this.ownPartials = gpu.createBuffer(
          `${label}.split_k_partials`,
          SPLIT_K_PARTIAL_FLOATS * 4,
          GPUBufferUsage.STORAGE,
        );
      }
      this.matmulV2 = new MatmulV2Call(gpu, label, { ...buffers, partials }, options);
    } else {
      this.matmulV2 = null;
    }
    if (options.prefill === 'v1') this.v1();
    this.matvec = rowPerOutput
      ? null
      : new KernelCall(
          gpu,
          `${label}.matvec`,
          gpu.pipeline('matvec', matvec, constants),
          linearLayout,
          bindings,
        );
  }

  /** Records the call; `prefill` overrides the constructor's choice of matmul for T > 1. */
  encode(
    pass: GPUComputePassEncoder,
    sizes: LinearSizes,
    prefill: PrefillMatmul = this.options.prefill ?? 'v2',
  ): void {
    this.check(sizes);
    const { T, K, N } = sizes;
    if (T === 1) {
      if (!this.matvec) {
        throw new Error(
          `${this.label}: weights held row per output are read at T = 1 by MatvecV2Call, not here`,
        );
      }
      this.matvec.encode(pass, sizes, [Math.ceil(N / MATVEC_COLS)]);
    } else if (
      prefill === 'v2' &&
      this.matmulV2 &&
      matmulV2Supports(K, N, this.options.weightsF16, this.options.rowPerOutput)
    ) {
      this.matmulV2.encode(pass, sizes);
    } else {
      this.v1().encode(pass, sizes, [Math.ceil(N / MATMUL_TILE), Math.ceil(T / MATMUL_TILE)]);
    }
  }

  destroy(): void {
    this.matmulV1?.destroy();
    this.matmulV2?.destroy();
    this.matvec?.destroy();
    if (this.ownPartials) this.gpu.destroyBuffer(this.ownPartials);
  }

  /**
   * The v1 matmul, made on first use unless chosen at construction: a model whose shapes v2
   * serves never compiles it.
   */
  private v1(): KernelCall<'T' | 'K' | 'N'> {
    this.matmulV1 ??= new KernelCall(
      this.gpu,
      `${this.label}.matmul`,
      this.gpu.pipeline('matmul', matmul, {
        ...this.constants,
        ROW_PER_OUTPUT: this.options.rowPerOutput ?? false,
      }),
      linearLayout,
      this.bindings,
    );
    return this.matmulV1;
  }

  /** Out-of-range accesses are silently clamped on the GPU, so catch wrong sizes here. */
  private check({ T, K, N }: LinearSizes): void {
    const weightWords = this.options.weightsF16 ? Math.ceil((K * N) / 2) : K * N;
    const need = { input: T * K * 4, weight: weightWords * 4, bias: N * 4, out: T * N * 4 };
    for (const name of ['input', 'weight', 'bias', 'out'] as const) {
      if (this.bytes[name] < need[name]) {
        throw new RangeError(
          `${this.label}: ${name} buffer has ${this.bytes[name]} bytes, ` +
            `T=${T} K=${K} N=${N} needs ${need[name]}`,
        );
      }
    }
    if (Math.ceil(N / MATVEC_COLS) > MAX_GROUPS || Math.ceil(T / MATMUL_TILE) > MAX_GROUPS) {
      throw new RangeError(`${this.label}: T=${T} N=${N} exceed one dispatch`);
    }
  }
}

import matmul from '../../shaders/matmul.wgsl?raw';
import matvec from '../../shaders/matvec.wgsl?raw';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { UniformLayout } from '../gpu/uniform-layout.ts';
import { KernelCall } from './kernel-call.ts';

/** The `struct Params` of both matmul.wgsl and matvec.wgsl. */
export const linearLayout = new UniformLayout([
  ['T', 'u32'],
  ['K', 'u32'],
  ['N', 'u32'],
] as const);

/** Output tile side of matmul.wgsl, and columns per workgroup of matvec.wgsl. */
const MATMUL_TILE = 64;
const MATVEC_COLS = 16;
const MAX_GROUPS = 65535;

export interface LinearBuffers {
  /** f32 [T, K]. */
  input: GPUBuffer;
  /** Conv1D weight [K, N] ([in, out]), f32 words or packed f16 pairs. */
  weight: GPUBuffer;
  /** f32 [N]. */
  bias: GPUBuffer;
  /** f32 [T, N]; must not be `input`. Read too when `accumulate`. */
  out: GPUBuffer;
}

export interface LinearOptions {
  /** weight holds packed f16 pairs rather than f32 words. */
  weightsF16: boolean;
  /** Apply GPT-2's tanh GELU to in @ W + bias. */
  gelu: boolean;
  /** out += result (the in-place residual update) instead of out = result. */
  accumulate: boolean;
}

export interface LinearSizes {
  T: number;
  K: number;
  N: number;
}

/**
 * out[T, N] (= or +=) act(in[T, K] @ W[K, N] + bias[N]). One call site on fixed buffers
 * that serves every T: the tiled matmul for prefill, the matvec for decode (T = 1). Each
 * has its own uniform, so one submit may hold a prefill and a decode of the same call, but
 * not two prefills of different T (see KernelCall).
 */
export class LinearCall {
  private readonly matmul: KernelCall<'T' | 'K' | 'N'>;
  private readonly matvec: KernelCall<'T' | 'K' | 'N'>;
  private readonly bytes: { input: number; weight: number; bias: number; out: number };

  constructor(
    gpu: GpuContext,
    readonly label: string,
    buffers: LinearBuffers,
    private readonly options: LinearOptions,
  ) {
    const constants = {
      WEIGHTS_F16: options.weightsF16,
      GELU: options.gelu,
      ACCUMULATE: options.accumulate,
    };
    const bindings = [buffers.input, buffers.weight, buffers.bias, buffers.out];
    this.bytes = {
      input: buffers.input.size,
      weight: buffers.weight.size,
      bias: buffers.bias.size,
      out: buffers.out.size,
    };
    this.matmul = new KernelCall(
      gpu,
      `${label}.matmul`,
      gpu.pipeline('matmul', matmul, constants),
      linearLayout,
      bindings,
    );
    this.matvec = new KernelCall(
      gpu,
      `${label}.matvec`,
      gpu.pipeline('matvec', matvec, constants),
      linearLayout,
      bindings,
    );
  }

  encode(pass: GPUComputePassEncoder, sizes: LinearSizes): void {
    this.check(sizes);
    const { T, N } = sizes;
    if (T === 1) {
      this.matvec.encode(pass, sizes, [Math.ceil(N / MATVEC_COLS)]);
    } else {
      this.matmul.encode(pass, sizes, [Math.ceil(N / MATMUL_TILE), Math.ceil(T / MATMUL_TILE)]);
    }
  }

  destroy(): void {
    this.matmul.destroy();
    this.matvec.destroy();
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

/**
 * Linear layers out[T, N] = in[T, K] @ W[K, N] + bias on GPT-2's four weight shapes:
 * `matvec` (decode, T = 1) and `matmul` (prefill). W is Conv1D [K, N] as the engine stores
 * it; a version that wants another layout makes it from `cpu.weight` in its setup.
 */
import matmulSource from '../../../shaders/matmul.wgsl?raw';
import matvecSource from '../../../shaders/matvec.wgsl?raw';
import type { GpuContext } from '../../gpu/gpu-context.ts';
import type { Gpt2Config } from '../../model/config.ts';
import { KernelCall } from '../../kernels/kernel-call.ts';
import { LinearCall, linearLayout } from '../../kernels/linear.ts';
import { SPLIT_K_PARTIAL_FLOATS } from '../../kernels/matmul-v2.ts';
import { MatvecV2Call, matvecV2Geometry } from '../../kernels/matvec-v2.ts';
import { packF16 } from '../../model/half.ts';
import {
  benchValues,
  defineKind,
  type CaseOptions,
  type KernelCase,
  type KernelVersion,
} from '../kernel-versions.ts';
import { outputBuffer, weightInput } from './buffers.ts';

export interface LinearInputs {
  T: number;
  K: number;
  N: number;
  f16: boolean;
  /** in [T, K], W [K, N] (f16-rounded when f16), bias [N]. */
  cpu: { input: Float32Array; weight: Float32Array; bias: Float32Array };
  /** The same as the engine binds them (W packed when f16). */
  gpu: { input: GPUBuffer; weight: GPUBuffer; bias: GPUBuffer };
}

function linearCases(cfg: Gpt2Config, T: number, f16: boolean): KernelCase<LinearInputs>[] {
  const C = cfg.nEmbd;
  const shapes: Array<[string, number, number]> = [
    ['c_attn', C, 3 * C],
    ['attn.c_proj', C, C],
    ['c_fc', C, cfg.nInner],
    ['mlp.c_proj', cfg.nInner, C],
  ];
  return shapes.map(([name, K, N], i) => ({
    name: `${name} T=${T} K=${K} N=${N} ${f16 ? 'f16' : 'f32'}`,
    bytes: T * K * 4 + K * N * (f16 ? 2 : 4) + N * 4 + T * N * 4,
    flops: 2 * T * K * N,
    outputWords: T * N,
    makeInputs(gpu: GpuContext) {
      const input = benchValues(T * K, 10 + i, 1);
      const bias = benchValues(N, 20 + i, 0.1);
      const w = weightInput(gpu, `bench.${name}.w`, benchValues(K * N, 30 + i, 0.05), f16);
      const bufs = {
        input: gpu.createStorage(`bench.${name}.in`, input),
        weight: w.buffer,
        bias: gpu.createStorage(`bench.${name}.bias`, bias),
      };
      return {
        T,
        K,
        N,
        f16,
        cpu: { input, weight: w.cpu, bias },
        gpu: bufs,
        destroy: () => Object.values(bufs).forEach((b) => gpu.destroyBuffer(b)),
      };
    },
  }));
}

/** A version of one of the engine's linear shaders on the shared inputs (no GELU, out =). */
function linearVersion(
  version: number,
  about: string,
  pipeline: string,
  source: string,
  groups: (x: LinearInputs) => [number, number],
): KernelVersion<LinearInputs> {
  return {
    version,
    about,
    setup(gpu, x) {
      const out = outputBuffer(gpu, `bench.${pipeline}.v${version}.out`, x.T * x.N);
      const call = new KernelCall(
        gpu,
        `bench.${pipeline}.v${version}`,
        gpu.pipeline(pipeline, source, { WEIGHTS_F16: x.f16, GELU: false, ACCUMULATE: false }),
        linearLayout,
        [x.gpu.input, x.gpu.weight, x.gpu.bias, out],
      );
      return {
        output: out,
        encode: (pass) => call.encode(pass, { T: x.T, K: x.K, N: x.N }, groups(x)),
        destroy: () => {
          call.destroy();
          gpu.destroyBuffer(out);
        },
      };
    },
  };
}

/**
 * matmul_v2.wgsl as the engine runs it, through LinearCall: split K to 256 workgroups on a
 * GPU (none on a CPU adapter), and v1 for shapes without 16-byte rows.
 */
const matmulV2Version: KernelVersion<LinearInputs> = {
  version: 2,
  about: '64 x 64 tiles, 8 x 8 per invocation, vec4 loads, double-buffered K, split K on a GPU',
  setup(gpu, x) {
    const out = outputBuffer(gpu, 'bench.matmul.v2.out', x.T * x.N);
    const partials = gpu.createBuffer(
      'bench.matmul.v2.partials',
      SPLIT_K_PARTIAL_FLOATS * 4,
      GPUBufferUsage.STORAGE,
    );
    const call = new LinearCall(
      gpu,
      'bench.matmul.v2',
      { ...x.gpu, out, partials },
      {
        weightsF16: x.f16,
        gelu: false,
        accumulate: false,
        prefill: 'v2',
        splitKTarget: gpu.capabilities.fallbackAdapter ? 1 : undefined,
      },
    );
    return {
      output: out,
      encode: (pass) => call.encode(pass, { T: x.T, K: x.K, N: x.N }),
      destroy: () => {
        call.destroy();
        gpu.destroyBuffer(out);
        gpu.destroyBuffer(partials);
      },
    };
  },
};

export const matvecKind = defineKind<LinearInputs>({
  kind: 'matvec',
  about: 'decode linear layer, T = 1',
  compare: 'f32',
  cases: (cfg, o: CaseOptions) => linearCases(cfg, 1, o.f16),
  versions: [
    linearVersion(
      1,
      '16 columns per workgroup of 8 x 8, scalar loads, K in 8 slices',
      'matvec',
      matvecSource,
      (x) => [Math.ceil(x.N / 16), 1], // matvec.wgsl's COLS
    ),
    {
      version: 2,
      about:
        'W row per output [N, K], 64 invocations per row (4 on a CPU adapter), 16-byte loads, subgroup sums',
      setup(gpu, x) {
        // Its own layout, made from the shared values: [N, K], whole 16-byte words.
        const t = new Float32Array(x.K * x.N);
        for (let k = 0; k < x.K; k++)
          for (let n = 0; n < x.N; n++) t[n * x.K + k] = x.cpu.weight[k * x.N + n];
        const words = x.f16 ? packF16(t) : new Uint32Array(t.buffer);
        const padded = new Uint32Array(Math.ceil(words.length / 4) * 4);
        padded.set(words);
        const weight = gpu.createStorage('bench.matvec.v2.w', padded);
        const out = outputBuffer(gpu, 'bench.matvec.v2.out', x.N);
        const call = new MatvecV2Call(
          gpu,
          'bench.matvec.v2',
          { input: x.gpu.input, weight, bias: x.gpu.bias, out },
          {
            weightsF16: x.f16,
            prologue: { kind: 'none' },
            // As the engine runs it: c_attn and c_fc (N > K) wide, the projections narrow.
            ...matvecV2Geometry(
              gpu.capabilities.fallbackAdapter ? 'cpu' : 'gpu',
              x.N > x.K ? 'wide' : 'narrow',
            ),
          },
        );
        return {
          output: out,
          encode: (pass) => call.encode(pass, { K: x.K, N: x.N }),
          destroy: () => {
            call.destroy();
            gpu.destroyBuffer(weight);
            gpu.destroyBuffer(out);
          },
        };
      },
    },
  ],
});

export const matmulKind = defineKind<LinearInputs>({
  kind: 'matmul',
  about: 'prefill linear layer, T tokens',
  compare: 'f32',
  cases: (cfg, o: CaseOptions) => linearCases(cfg, Math.min(o.T, cfg.nPositions), o.f16),
  versions: [
    linearVersion(
      1,
      '64 x 64 output tiles, 8-deep K steps, 4 x 4 per invocation, scalar shared loads',
      'matmul',
      matmulSource,
      (x) => [Math.ceil(x.N / 64), Math.ceil(x.T / 64)], // matmul.wgsl's TILE
    ),
    matmulV2Version,
  ],
});

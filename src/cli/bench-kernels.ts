/**
 * Times the linear kernels and the LM head on GPT-2 small shapes, one line per shape:
 * ms per call, GB/s of weights moved and GFLOP/s.
 *
 *   npx tsx --import ./src/cli/register-raw.mjs src/cli/bench-kernels.ts [--reps N] [--only NAME]
 *
 * Wall-clock over `reps` dispatches in one submit (after a warm-up that also compiles), so
 * it includes submit overhead. Without a GPU this measures SwiftShader: compare ratios
 * within one run there, not absolute figures.
 */
import { parseArgs } from 'node:util';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { createNodeGpuContext } from '../gpu/node-gpu.ts';
import { LinearCall } from '../kernels/linear.ts';
import { LogitsCall } from '../kernels/logits.ts';

interface Bench {
  name: string;
  /** Weight bytes read once per call (the memory-bound floor). */
  weightBytes: number;
  flops: number;
  encode: (pass: GPUComputePassEncoder) => void;
  destroy: () => void;
}

/** A storage buffer of `words` u32 holding small values, as f32 words or as f16 pairs. */
function weightBuffer(gpu: GpuContext, label: string, words: number, f16: boolean): GPUBuffer {
  const data = new Uint32Array(words);
  for (let i = 0; i < words; i++) {
    // Values in [-0.25, 0.25): f32 bits, or two f16 halves of the same magnitude range.
    const r = (((i * 2654435761) >>> 0) % 1000) / 2000 - 0.25;
    if (f16) {
      const h = r < 0 ? 0xb000 : 0x3000; // -0.125 / 0.125
      data[i] = (h | (h << 16)) >>> 0;
    } else {
      data[i] = new Uint32Array(new Float32Array([r]).buffer)[0];
    }
  }
  return gpu.createStorage(label, data);
}

function f32Buffer(gpu: GpuContext, label: string, n: number): GPUBuffer {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i) * 0.5;
  return gpu.createStorage(label, data);
}

function linearBench(gpu: GpuContext, T: number, K: number, N: number, f16: boolean): Bench {
  const words = f16 ? Math.ceil((K * N) / 2) : K * N;
  const buffers = {
    input: f32Buffer(gpu, 'bench.in', T * K),
    weight: weightBuffer(gpu, 'bench.w', words, f16),
    bias: f32Buffer(gpu, 'bench.bias', N),
    out: f32Buffer(gpu, 'bench.out', T * N),
  };
  const call = new LinearCall(gpu, `bench.linear`, buffers, {
    weightsF16: f16,
    gelu: false,
    accumulate: true,
  });
  return {
    name: `${T === 1 ? 'matvec' : 'matmul'} ${f16 ? 'f16' : 'f32'} T=${T} K=${K} N=${N}`,
    weightBytes: words * 4,
    flops: 2 * T * K * N,
    encode: (pass) => call.encode(pass, { T, K, N }),
    destroy: () => {
      call.destroy();
      for (const b of Object.values(buffers)) gpu.destroyBuffer(b);
    },
  };
}

function logitsBench(gpu: GpuContext, C: number, V: number, f16: boolean): Bench {
  const words = f16 ? Math.ceil((V * C) / 2) : V * C;
  const buffers = {
    input: f32Buffer(gpu, 'bench.x', C),
    wte: weightBuffer(gpu, 'bench.wte', words, f16),
    out: f32Buffer(gpu, 'bench.logits', V),
  };
  const call = new LogitsCall(gpu, 'bench.lm_head', buffers, { weightsF16: f16 });
  return {
    name: `logits ${f16 ? 'f16' : 'f32'} C=${C} V=${V}`,
    weightBytes: words * 4,
    flops: 2 * C * V,
    encode: (pass) => call.encode(pass, { C, V }),
    destroy: () => {
      call.destroy();
      for (const b of Object.values(buffers)) gpu.destroyBuffer(b);
    },
  };
}

async function time(gpu: GpuContext, bench: Bench, reps: number): Promise<number> {
  const run = async (n: number) => {
    const encoder = gpu.device.createCommandEncoder({ label: bench.name });
    const pass = encoder.beginComputePass({ label: bench.name });
    for (let i = 0; i < n; i++) bench.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    await gpu.device.queue.onSubmittedWorkDone();
  };
  await run(1);
  const t0 = performance.now();
  await run(reps);
  return (performance.now() - t0) / reps;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { reps: { type: 'string', default: '5' }, only: { type: 'string' } },
  });
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1)
    throw new RangeError('--reps must be a positive integer');
  const gpu = await createNodeGpuContext();
  console.log(`adapter: ${gpu.capabilities.adapterName}, ${reps} reps`);
  const C = 768;
  const makers: Array<() => Bench> = [];
  for (const f16 of [false, true]) {
    for (const [K, N] of [
      [C, 3 * C],
      [C, C],
      [C, 4 * C],
      [4 * C, C],
    ]) {
      makers.push(() => linearBench(gpu, 1, K, N, f16));
    }
    makers.push(() => linearBench(gpu, 64, C, 4 * C, f16));
    makers.push(() => logitsBench(gpu, C, 50257, f16));
  }
  try {
    for (const make of makers) {
      const bench = make();
      try {
        if (values.only && !bench.name.startsWith(values.only)) continue;
        const ms = await time(gpu, bench, reps);
        const gbs = bench.weightBytes / (ms * 1e6);
        const gflops = bench.flops / (ms * 1e6);
        console.log(
          `${bench.name.padEnd(36)} ${ms.toFixed(3).padStart(9)} ms ` +
            `${gbs.toFixed(2).padStart(8)} GB/s ${gflops.toFixed(2).padStart(8)} GFLOP/s`,
        );
      } finally {
        bench.destroy();
      }
    }
  } finally {
    gpu.destroy();
  }
}

await main();

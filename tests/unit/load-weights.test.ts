import { describe, expect, it, vi } from 'vitest';
import { GpuOutOfMemoryError } from '../../src/gpu/errors.ts';
import type { GpuContext } from '../../src/gpu/gpu-context.ts';
import { gpt2TensorSpecs } from '../../src/model/checkpoint.ts';
import type { Gpt2Config } from '../../src/model/config.ts';
import { ConfigError, ModelTooLargeError, WeightsFormatError } from '../../src/model/errors.ts';
import { f32ToF16Bits } from '../../src/model/half.ts';
import {
  CONVERT_BLOCK_ELEMENTS,
  loadGpt2Weights,
  type LoadWeightsOptions,
} from '../../src/model/load-weights.ts';
import type { LoadProgress, ModelFiles } from '../../src/model/model-files.ts';
import {
  makeRandomCheckpoint,
  randomTensorValues,
  type RandomCheckpointOptions,
} from '../../src/model/random-checkpoint.ts';
import type { SafetensorsDtype } from '../../src/model/safetensors.ts';
import type { Gpt2Weights, WeightStorage } from '../../src/model/weights.ts';
import { useTestGpu } from '../helpers/gpu.ts';

// Workaround: src/gpu/node-gpu.ts drops the object webgpu's create() returns, and Dawn
// aborts the process at the first garbage collection after that (the package's README,
// "Lifetime": Dawn lives only while that object is referenced). Loading allocates enough
// to trigger a GC. Remove this once createNodeGpuContext keeps the instance alive.
vi.mock('webgpu', async (importOriginal) => {
  const mod = await importOriginal<typeof import('webgpu')>();
  const keep: unknown[] = [];
  return {
    ...mod,
    create: (...args: Parameters<typeof mod.create>) => {
      const instance = mod.create(...args);
      keep.push(instance);
      return instance;
    },
  };
});

// C odd, so every matrix has an odd element count and f16 storage needs its padding half.
const SHAPE: Partial<Gpt2Config> = {
  nLayer: 2,
  nEmbd: 33,
  nHead: 3,
  nPositions: 17,
  vocabSize: 301,
};
const CHUNKS = [7, 1000, 4093];

interface ServeOptions {
  /** The stream ends after this many bytes while the declared size stays the full file. */
  stopAt?: number;
  /** After this many bytes the stream delivers nothing more, ever. */
  stallAt?: number;
  onCancel?: () => void;
}

/** A checkpoint served from memory in odd-sized chunks. */
function serve(configJson: string, bytes: Uint8Array, o: ServeOptions = {}): ModelFiles {
  return {
    description: 'test-checkpoint',
    async readText(name) {
      if (name !== 'config.json') throw new Error(`unexpected ${name}`);
      return configJson;
    },
    async open(name) {
      if (name !== 'model.safetensors') throw new Error(`unexpected ${name}`);
      const end = Math.min(bytes.length, o.stopAt ?? Infinity);
      let offset = 0;
      let i = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (o.stallAt !== undefined && offset >= o.stallAt) return new Promise<void>(() => {});
          if (offset >= end) {
            controller.close();
            return;
          }
          const n = Math.min(CHUNKS[i++ % CHUNKS.length], end - offset);
          controller.enqueue(bytes.slice(offset, offset + n));
          offset += n;
          return undefined;
        },
        cancel() {
          o.onCancel?.();
        },
      });
      return { size: bytes.length, stream, fromCache: false };
    },
  };
}

function checkpoint(opts: RandomCheckpointOptions = {}) {
  return makeRandomCheckpoint({ config: SHAPE, seed: 11, scale: 0.3, ...opts });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the load to fail');
}

/** Every tensor on the GPU equals the file's values: exactly, or rounded to f16 for f16 storage. */
async function expectWeightsMatch(
  gpu: GpuContext,
  w: Gpt2Weights,
  layout: ReturnType<typeof checkpoint>['layout'],
  prefix: string,
): Promise<void> {
  const byKey = new Map<string, GPUBuffer>([
    ['wte.weight', w.wte],
    ['wpe.weight', w.wpe],
    ['ln_f.weight', w.lnF.gamma],
    ['ln_f.bias', w.lnF.beta],
  ]);
  w.blocks.forEach((b, i) => {
    const lin = (name: string, l: { weight: GPUBuffer; bias: GPUBuffer }) => {
      byKey.set(`h.${i}.${name}.weight`, l.weight);
      byKey.set(`h.${i}.${name}.bias`, l.bias);
    };
    byKey.set(`h.${i}.ln_1.weight`, b.ln1.gamma);
    byKey.set(`h.${i}.ln_1.bias`, b.ln1.beta);
    byKey.set(`h.${i}.ln_2.weight`, b.ln2.gamma);
    byKey.set(`h.${i}.ln_2.bias`, b.ln2.beta);
    lin('attn.c_attn', b.attn);
    lin('attn.c_proj', b.attnProj);
    lin('mlp.c_fc', b.fc);
    lin('mlp.c_proj', b.fcProj);
  });
  const specs = gpt2TensorSpecs(w.config);
  expect(byKey.size).toBe(specs.length);
  for (const spec of specs) {
    const buffer = byKey.get(spec.key);
    if (!buffer) throw new Error(`no buffer for ${spec.key}`);
    expect(buffer.label).toBe(spec.key);
    const inFile = randomTensorValues(layout, prefix + spec.key);
    const rowPerOutput = w.layout === 'row-per-output';
    // Held row per output, a Conv1D weight [in, out] is [out, in]; matrices are whole
    // 16-byte words, zero-padded.
    let want = inFile;
    if (rowPerOutput && spec.conv1d) {
      const [rows, cols] = spec.shape;
      want = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) want[c * rows + r] = inFile[r * cols + c];
    }
    if (spec.kind === 'matrix' && rowPerOutput) {
      const bytes = want.length * (w.storage === 'f16' ? 2 : 4);
      expect(buffer.size, spec.key).toBe(Math.ceil(bytes / 16) * 16);
      const tail = new Uint8Array(await gpu.read(buffer)).subarray(bytes);
      expect(
        tail.every((b) => b === 0),
        `${spec.key} padding`,
      ).toBe(true);
    }
    if (spec.kind === 'matrix' && w.storage === 'f16') {
      const got = new Uint16Array(await gpu.read(buffer));
      if (!rowPerOutput) expect(got.length, spec.key).toBe(want.length + (want.length % 2));
      const bits = Uint16Array.from(want, (v) => f32ToF16Bits(v));
      expect(got.subarray(0, want.length), spec.key).toEqual(bits);
      if (want.length % 2) expect(got[want.length], `${spec.key} padding`).toBe(0);
    } else {
      expect(await gpu.readF32(buffer, 0, want.length), spec.key).toEqual(want);
    }
  }
}

describe('loadGpt2Weights', () => {
  const t = useTestGpu();
  const opts = (storage: WeightStorage, extra: Partial<LoadWeightsOptions> = {}) => ({
    storage,
    onWarning: () => {},
    ...extra,
  });

  // wte of this vocabulary spans two conversion blocks and ends mid-block, on an odd count.
  const bigVocab = Math.ceil((CONVERT_BLOCK_ELEMENTS * 1.3) / 33) | 1;
  const big = { config: { ...SHAPE, nLayer: 1, vocabSize: bigVocab } };
  const cases: [SafetensorsDtype, WeightStorage, RandomCheckpointOptions][] = [
    ['F32', 'f32', {}],
    ['F32', 'f16', { prefix: true }],
    ['F16', 'f32', { shuffle: true, gapBytes: 5 }],
    ['F16', 'f16', { includeAttnBias: true }],
    ['BF16', 'f32', { includeLmHead: true, prefix: true }],
    ['BF16', 'f16', { shuffle: true, gapBytes: 2 }],
    ['F32', 'f16', big],
    ['F16', 'f32', big],
    ['BF16', 'f16', big],
  ];
  for (const [dtype, storage, extra] of cases) {
    const what = extra.config ? `V=${extra.config.vocabSize}` : JSON.stringify(extra);
    it(`loads a ${dtype} file into ${storage} storage (${what})`, async () => {
      const { gpu } = t;
      const before = gpu.liveBuffers;
      const { configJson, safetensors, layout } = checkpoint({ dtype, ...extra });
      const progress: LoadProgress[] = [];
      const w = await loadGpt2Weights(
        gpu,
        serve(configJson, safetensors),
        opts(storage, { onProgress: (p) => progress.push(p) }),
      );
      try {
        expect(w.storage).toBe(storage);
        expect(w.config).toEqual(layout.config);
        expect(w.blocks.length).toBe(layout.config.nLayer);
        expect(w.gpuBytes).toBe(gpu.liveBuffers.bytes - before.bytes);
        await expectWeightsMatch(gpu, w, layout, extra.prefix ? 'transformer.' : '');
        expect(progress[0]).toMatchObject({ file: 'model.safetensors', loaded: 0 });
        expect(progress.at(-1)).toEqual({
          file: 'model.safetensors',
          loaded: safetensors.length,
          total: safetensors.length,
          fromCache: false,
        });
        for (let i = 1; i < progress.length; i++) {
          expect(progress[i].loaded).toBeGreaterThan(progress[i - 1].loaded);
        }
      } finally {
        w.destroy();
      }
      expect(gpu.liveBuffers).toEqual(before);
    });
  }

  // Held row per output (the v2 decode kernels' layout): each Conv1D weight is transposed on
  // the GPU as it arrives, through a staging buffer freed straight after.
  for (const [dtype, storage, extra] of [
    ['F32', 'f32', {}],
    ['BF16', 'f16', { shuffle: true, gapBytes: 2 }],
    ['F16', 'f16', { prefix: true }],
  ] as [SafetensorsDtype, WeightStorage, RandomCheckpointOptions][]) {
    it(`holds Conv1D weights row per output: ${dtype} into ${storage} (${JSON.stringify(extra)})`, async () => {
      const { gpu } = t;
      const before = gpu.liveBuffers;
      const { configJson, safetensors, layout } = checkpoint({ dtype, ...extra });
      const w = await loadGpt2Weights(
        gpu,
        serve(configJson, safetensors),
        opts(storage, { layout: 'row-per-output' }),
      );
      try {
        expect(w.layout).toBe('row-per-output');
        expect(gpu.liveBuffers.count - before.count).toBe(4 + 12 * layout.config.nLayer);
        expect(w.gpuBytes).toBe(gpu.liveBuffers.bytes - before.bytes);
        await expectWeightsMatch(gpu, w, layout, extra.prefix ? 'transformer.' : '');
      } finally {
        w.destroy();
      }
      expect(gpu.liveBuffers).toEqual(before);
    });
  }

  it('destroy releases every buffer, once', async () => {
    const { gpu } = t;
    const before = gpu.liveBuffers;
    const { configJson, safetensors } = checkpoint({ dtype: 'F16' });
    const w = await loadGpt2Weights(gpu, serve(configJson, safetensors), opts('f16'));
    expect(gpu.liveBuffers.count - before.count).toBe(4 + 12 * 2);
    w.destroy();
    expect(gpu.liveBuffers).toEqual(before);
    w.destroy();
    expect(gpu.liveBuffers).toEqual(before);
  });

  it('reports a truncated stream and frees what it made', async () => {
    const { gpu } = t;
    const before = gpu.liveBuffers;
    const { configJson, safetensors } = checkpoint();
    for (const stopAt of [safetensors.length - 3, Math.floor(safetensors.length / 2), 100, 4]) {
      let cancelled = false;
      const e = await rejection(
        loadGpt2Weights(
          gpu,
          serve(configJson, safetensors, { stopAt, onCancel: () => (cancelled = true) }),
          opts('f32'),
        ),
      );
      expect(e, String(stopAt)).toBeInstanceOf(WeightsFormatError);
      expect(e.message).toContain(
        `test-checkpoint: model.safetensors is truncated (expected ${safetensors.length} bytes, got ${stopAt})`,
      );
      expect(gpu.liveBuffers).toEqual(before);
      expect(cancelled).toBe(false); // the stream had already ended
    }
  });

  it('stops on abort mid-stream with an AbortError and frees the buffers', async () => {
    const { gpu } = t;
    const before = gpu.liveBuffers;
    const { configJson, safetensors } = checkpoint();
    const controller = new AbortController();
    let cancelled = false;
    let peak = 0;
    const e = await rejection(
      loadGpt2Weights(
        gpu,
        serve(configJson, safetensors, { onCancel: () => (cancelled = true) }),
        opts('f16', {
          signal: controller.signal,
          onProgress: (p) => {
            peak = Math.max(peak, gpu.liveBuffers.count - before.count);
            if (p.loaded > safetensors.length / 2) controller.abort();
          },
        }),
      ),
    );
    expect(e.name).toBe('AbortError');
    // Buffers are made as their data arrives: half the file made some of the 28, not all.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(28);
    expect(gpu.liveBuffers).toEqual(before);
    expect(cancelled).toBe(true);
  });

  it('aborts a read that is waiting on a stalled stream', async () => {
    const { gpu } = t;
    const before = gpu.liveBuffers;
    const { configJson, safetensors } = checkpoint();
    const controller = new AbortController();
    const load = loadGpt2Weights(
      gpu,
      serve(configJson, safetensors, { stallAt: 20_000 }),
      opts('f32', { signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 50);
    const e = await rejection(load);
    expect(e.name).toBe('AbortError');
    expect(gpu.liveBuffers).toEqual(before);
  }, 10_000);

  it('does nothing when the signal is already aborted', async () => {
    const { gpu } = t;
    const { configJson, safetensors } = checkpoint();
    const controller = new AbortController();
    controller.abort();
    const spy = vi.spyOn(gpu, 'createBuffer');
    try {
      const e = await rejection(
        loadGpt2Weights(
          gpu,
          serve(configJson, safetensors),
          opts('f32', { signal: controller.signal }),
        ),
      );
      expect(e.name).toBe('AbortError');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('validates config, header and shapes before creating any buffer', async () => {
    const { gpu } = t;
    const { configJson, safetensors } = checkpoint({ includeAttnBias: true });
    const spy = vi.spyOn(gpu, 'createBuffer');
    try {
      const llama = JSON.stringify({ model_type: 'llama', hidden_size: 64 });
      const e1 = await rejection(loadGpt2Weights(gpu, serve(llama, safetensors), opts('f32')));
      expect(e1).toBeInstanceOf(ConfigError);
      expect(e1.message).toMatch(/^test-checkpoint: config.json describes a "llama" model/);

      const e2 = await rejection(loadGpt2Weights(gpu, serve('<html>', safetensors), opts('f32')));
      expect(e2).toBeInstanceOf(ConfigError);
      expect(e2.message).toMatch(/config.json is not valid JSON/);

      const threeLayers = JSON.stringify({ ...JSON.parse(configJson), n_layer: 3 });
      const e3 = await rejection(
        loadGpt2Weights(gpu, serve(threeLayers, safetensors), opts('f32')),
      );
      expect(e3).toBeInstanceOf(WeightsFormatError);
      expect(e3.message).toMatch(/no tensor "h.2.ln_1.weight"/);

      const lfs = new TextEncoder().encode(
        'version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 548105171\n',
      );
      const e4 = await rejection(loadGpt2Weights(gpu, serve(configJson, lfs), opts('f32')));
      expect(e4).toBeInstanceOf(WeightsFormatError);
      expect(e4.message).toMatch(/Git LFS pointer/);

      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a tensor larger than the GPU binds, suggesting f16', async () => {
    const { gpu } = t;
    const { configJson, safetensors } = checkpoint();
    const small = Object.create(gpu, {
      capabilities: { value: { ...gpu.capabilities, maxStorageBufferBindingSize: 30_000 } },
    }) as GpuContext;
    const e = await rejection(loadGpt2Weights(small, serve(configJson, safetensors), opts('f32')));
    expect(e).toBeInstanceOf(ModelTooLargeError);
    expect(e.message).toMatch(
      /wte.weight needs 39.7 kB in one GPU buffer, but this GPU binds at most 30.0 kB .* as f16/,
    );
    const w = await loadGpt2Weights(small, serve(configJson, safetensors), opts('f16'));
    w.destroy();
  });

  it('turns a GPU out-of-memory error into a message with what to do, and frees what it made', async () => {
    const { gpu } = t;
    const { configJson, safetensors } = checkpoint();
    // The driver's answer to the allocation scope is an out-of-memory error (as a real GPU
    // gives when the weights do not fit); everything else is the real device.
    const device = gpu.device;
    const failing = new Proxy(device, {
      get(target, key) {
        if (key === 'popErrorScope') {
          return async () => {
            const real = await target.popErrorScope();
            return real ?? { message: 'test: allocation failed' };
          };
        }
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const oom = Object.create(gpu, { device: { value: failing } }) as GpuContext;
    const before = gpu.liveBuffers.count;
    const e = await rejection(loadGpt2Weights(oom, serve(configJson, safetensors), opts('f32')));
    expect(e).toBeInstanceOf(GpuOutOfMemoryError);
    expect(e.message).toMatch(
      /ran out of memory allocating [\d.]+ kB of weights \(test: allocation failed\)/,
    );
    expect(e.message).toMatch(/load the weights as f16, or use a smaller model/);
    expect(gpu.liveBuffers.count).toBe(before);
  });

  it('reports unknown tensors as warnings', async () => {
    const { gpu } = t;
    const { configJson, safetensors } = checkpoint({ includeLmHead: true });
    // Rename lm_head.weight (same length) into a tensor GPT-2 does not know.
    const text = new TextDecoder().decode(safetensors.subarray(0, 4096));
    const at = text.indexOf('"lm_head.weight"');
    expect(at).toBeGreaterThan(0);
    const renamed = safetensors.slice();
    renamed.set(new TextEncoder().encode('"lm_xxxx.weight"'), at);
    const warnings: string[] = [];
    const w = await loadGpt2Weights(
      gpu,
      serve(configJson, renamed),
      opts('f32', { onWarning: (m) => warnings.push(m) }),
    );
    w.destroy();
    expect(warnings).toEqual([
      'model.safetensors: ignoring tensor "lm_xxxx.weight", which GPT-2 does not use.',
    ]);
  });

  it('allocates GPU memory as the data arrives, not as the declared size promises', async () => {
    const { gpu } = t;
    const before = gpu.liveBuffers;
    // wte is most of the file (and last in it); the source declares the whole file and
    // sends the first 60 kB of the data, a few of the layers' tensors.
    const { configJson, safetensors, layout } = checkpoint({
      config: { ...SHAPE, vocabSize: 5001 },
    });
    const stopAt = layout.header.length + 60_000;
    let peak = 0;
    const spy = vi.spyOn(gpu, 'createBuffer');
    try {
      const e = await rejection(
        loadGpt2Weights(
          gpu,
          serve(configJson, safetensors, { stopAt }),
          opts('f32', {
            onProgress: () => {
              peak = Math.max(peak, gpu.liveBuffers.bytes - before.bytes);
            },
          }),
        ),
      );
      expect(e).toBeInstanceOf(WeightsFormatError);
      expect(e.message).toMatch(/is truncated/);
      const made = spy.mock.calls.reduce((n, c) => n + (c[1] as number), 0);
      const wteBytes = 5001 * 33 * 4;
      const largestOther = 33 * 132 * 4; // mlp.c_fc.weight
      expect(made).toBeGreaterThan(0);
      expect(made).toBeLessThanOrEqual(60_000 + largestOther);
      expect(made).toBeLessThan(wteBytes); // wte's data never came, so neither did its buffer
      expect(peak).toBeLessThanOrEqual(made);
      expect(gpu.liveBuffers).toEqual(before);
    } finally {
      spy.mockRestore();
    }
  });

  /** The checkpoint with one element of tensor `name` replaced by `value`. */
  function withValue(dtype: SafetensorsDtype, name: string, index: number, value: number) {
    const c = checkpoint({ dtype });
    const tensor = c.layout.tensors.find((x) => x.name === name)!;
    const at = c.layout.header.length + tensor.begin;
    const bytes = c.safetensors.slice();
    const view = new DataView(bytes.buffer);
    if (dtype === 'F32') view.setFloat32(at + index * 4, value, true);
    else if (dtype === 'F16') view.setUint16(at + index * 2, f32ToF16Bits(value), true);
    else
      view.setUint16(
        at + index * 2,
        new Uint32Array(new Float32Array([value]).buffer)[0] >>> 16,
        true,
      );
    return { configJson: c.configJson, bytes };
  }

  it('refuses NaN and infinite weights at load, naming the tensor and what to do', async () => {
    const { gpu } = t;
    const before = gpu.liveBuffers;
    const cases: [SafetensorsDtype, string, number, number, RegExp][] = [
      [
        'F32',
        'h.1.mlp.c_fc.weight',
        17,
        NaN,
        /tensor "h.1.mlp.c_fc.weight" holds NaN at element 17/,
      ],
      ['F16', 'h.0.ln_2.bias', 3, Infinity, /tensor "h.0.ln_2.bias" holds Infinity at element 3/],
      ['BF16', 'wpe.weight', 0, -Infinity, /tensor "wpe.weight" holds -Infinity at element 0/],
    ];
    for (const [dtype, name, index, value, want] of cases) {
      const { configJson, bytes } = withValue(dtype, name, index, value);
      for (const storage of ['f32', 'f16'] as const) {
        const e = await rejection(loadGpt2Weights(gpu, serve(configJson, bytes), opts(storage)));
        expect(e, `${dtype} ${storage}`).toBeInstanceOf(WeightsFormatError);
        expect(e.message).toMatch(want);
        expect(e.message).toMatch(/produces NaN for every token.*download it again/);
        expect(gpu.liveBuffers).toEqual(before);
      }
    }
  });

  it('refuses a weight beyond the f16 range when storing as f16, and loads it as f32', async () => {
    const { gpu } = t;
    const { configJson, bytes } = withValue('F32', 'h.1.attn.c_proj.weight', 40, 1e6);
    const e = await rejection(loadGpt2Weights(gpu, serve(configJson, bytes), opts('f16')));
    expect(e).toBeInstanceOf(WeightsFormatError);
    expect(e.message).toMatch(
      /tensor "h.1.attn.c_proj.weight" holds 1000000 at element 40, beyond the f16 range .* Load the weights as f32/,
    );
    const w = await loadGpt2Weights(gpu, serve(configJson, bytes), opts('f32'));
    w.destroy();
  });

  it('refuses a config.json far larger than any GPT-2 config, before the weights', async () => {
    const { gpu } = t;
    const { configJson, safetensors } = checkpoint();
    const huge = JSON.stringify({ ...JSON.parse(configJson), padding: 'x'.repeat(300_000) });
    const e = await rejection(loadGpt2Weights(gpu, serve(huge, safetensors), opts('f32')));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/config.json is 300.\d kB, far more than a GPT-2 config/);
  });
});

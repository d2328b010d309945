/**
 * The benchmark page's one contact with the GPU: a Lit reactive controller that opens a
 * device, makes the random checkpoint of the chosen shape (in a worker), and runs
 * src/bench/run-bench.ts on it, the same benchmark `npm run bench` runs in Node. Its public
 * fields are the state the page renders; URL parameters are parsed once, here.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { deviceInfo, type DeviceInfo } from '../bench/device-info.ts';
import { runKernelVersions, type VersionResult } from '../bench/run-kernel-versions.ts';
import { runBench, type BenchResult } from '../bench/run-bench.ts';
import { KERNEL_KINDS } from '../bench/versions/index.ts';
import { GpuSession, isDeviceLost, type GpuProblem } from '../generation/gpu-session.ts';
import {
  GPT2_PRESETS,
  gpt2ParameterCount,
  isGpt2PresetName,
  type Gpt2PresetName,
} from '../model/config.ts';
import { memoryModelFiles } from '../model/memory-files.ts';
import type { WeightStorage } from '../model/weights.ts';
import type { CheckpointResponse } from './bench-checkpoint-worker.ts';
import { describeError } from './format.ts';

export interface BenchRequest {
  preset: Gpt2PresetName;
  storage: WeightStorage;
  prefillTokens: number;
  decodeSteps: number;
  /** MiB the peak-bandwidth kernels stream. */
  peakMb: number;
}

export const DEFAULT_BENCH: Readonly<BenchRequest> = {
  preset: 'gpt2',
  storage: 'f16',
  prefillTokens: 128,
  decodeSteps: 8,
  peakMb: 256,
};

export const MAX_DECODE_STEPS = 256;
/** The prefill a form or link may ask for (the run caps it at the context length − 1). */
export const MAX_PREFILL_TOKENS = 65535;

export interface AdapterInfo {
  name: string;
  shaderF16: boolean;
  timestampQuery: boolean;
  maxBufferSize: number;
  /** Features and limits the device was opened with. */
  device: DeviceInfo;
}

export interface BenchEntry {
  request: BenchRequest;
  result: BenchResult;
}

/** Parameters and bytes of a preset, for the picker. */
export function presetSize(preset: Gpt2PresetName): { parameters: number; fileBytes: number } {
  const parameters = gpt2ParameterCount(GPT2_PRESETS[preset]);
  return { parameters, fileBytes: parameters * 2 };
}

/**
 * `?preset=tiny&precision=f32&prefill=8&steps=2&autostart=1` to a request; anything out of
 * range is reported and left at its default.
 */
export function parseBenchParams(search: string): {
  request: BenchRequest;
  autostart: boolean;
  problems: string[];
} {
  const q = new URLSearchParams(search);
  const problems: string[] = [];
  const request: BenchRequest = { ...DEFAULT_BENCH };
  const preset = q.get('preset');
  if (preset !== null) {
    if (isGpt2PresetName(preset)) request.preset = preset;
    else problems.push(`preset "${preset}" is not one of ${Object.keys(GPT2_PRESETS).join(', ')}.`);
  }
  const precision = q.get('precision');
  if (precision !== null) {
    if (precision === 'f16' || precision === 'f32') request.storage = precision;
    else problems.push(`precision "${precision}" is not f16 or f32.`);
  }
  const int = (name: string, min: number, max: number): number | null => {
    const raw = q.get(name);
    if (raw === null) return null;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
      return null;
    }
    return v;
  };
  request.prefillTokens = int('prefill', 1, MAX_PREFILL_TOKENS) ?? request.prefillTokens;
  request.decodeSteps = int('steps', 1, MAX_DECODE_STEPS) ?? request.decodeSteps;
  request.peakMb = int('peak_mb', 1, 4096) ?? request.peakMb;
  const autostart = q.get('autostart') === '1' || q.get('autostart') === 'true';
  return { request, autostart, problems };
}

/** The request as URL parameters (so a link reruns the same benchmark). */
export function benchSearch(r: BenchRequest): string {
  const q = new URLSearchParams({
    preset: r.preset,
    precision: r.storage,
    prefill: String(r.prefillTokens),
    steps: String(r.decodeSteps),
  });
  if (r.peakMb !== DEFAULT_BENCH.peakMb) q.set('peak_mb', String(r.peakMb));
  return `?${q}`;
}

export class BenchController implements ReactiveController {
  adapter: AdapterInfo | null = null;
  /** WebGPU cannot be used here (the page shows why instead of the form). */
  unavailable: string | null = null;
  running = false;
  status = '';
  /** What the last run ended with when it did not give figures on purpose ('' otherwise). */
  note = '';
  error = '';
  entries: BenchEntry[] = [];
  /** The latest side-by-side run of the numbered kernel versions. */
  versions: { request: BenchRequest; results: VersionResult[] } | null = null;

  private readonly session = new GpuSession({
    onStatus: (s) => {
      if (s.state === 'ready') {
        this.adapter = {
          name: s.adapterName,
          shaderF16: s.shaderF16,
          timestampQuery: s.timestampQuery,
          maxBufferSize: s.maxBufferSize,
          device: deviceInfo(this.session.context!),
        };
      } else if (s.state === 'unavailable') this.unavailable = s.message;
      this.update();
    },
    onProblem: (p) => this.onGpuProblem(p),
  });

  private runAbort: AbortController | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.runAbort?.abort();
    this.session.close();
  }

  get latest(): BenchEntry | null {
    return this.entries.length ? this.entries[this.entries.length - 1] : null;
  }

  /** Opens the GPU (once) and fills in the adapter; false when WebGPU is unavailable. */
  async openGpu(): Promise<boolean> {
    return (await this.session.open()) !== null;
  }

  private onGpuProblem(problem: GpuProblem): void {
    this.error = isDeviceLost(problem)
      ? `${problem.message} Run again to open a new device.`
      : problem.message;
    this.update();
  }

  /**
   * Stops the benchmark running: at once while the checkpoint is made, else when the phase or
   * decode step on the GPU ends (a GPU submission cannot be taken back).
   */
  cancel(): void {
    if (!this.runAbort || this.runAbort.signal.aborted) return;
    this.runAbort.abort();
    this.setStatus('Cancelling: the step on the GPU finishes first…');
  }

  async run(request: BenchRequest): Promise<void> {
    if (this.running) return;
    const abort = new AbortController();
    this.runAbort = abort;
    this.running = true;
    this.error = '';
    this.note = '';
    this.status = 'Opening the GPU';
    this.update();
    try {
      const gpu = await this.session.open();
      if (!gpu) return;
      const { fileBytes } = presetSize(request.preset);
      this.setStatus(
        `Making a random ${request.preset}-shaped checkpoint (${(fileBytes / 1e6).toFixed(0)} MB)`,
      );
      const ckpt = await makeCheckpoint(request.preset, abort.signal);
      const files = memoryModelFiles(
        { 'config.json': ckpt.configJson, 'model.safetensors': ckpt.safetensors },
        `random ${request.preset}-shaped checkpoint`,
      );
      const result = await runBench(gpu, files, {
        storage: request.storage,
        prefillTokens: request.prefillTokens,
        decodeSteps: request.decodeSteps,
        peakBytes: request.peakMb * 2 ** 20,
        onStatus: (m) => this.setStatus(m),
        signal: abort.signal,
      });
      this.entries = [...this.entries, { request, result }];
    } catch (e) {
      if (abort.signal.aborted) this.note = 'Benchmark cancelled: nothing was measured.';
      // The session has said so already.
      else if (!isDeviceLost(e)) this.error = describeError(e);
    } finally {
      this.runAbort = null;
      this.running = false;
      this.status = '';
      this.update();
    }
  }

  /** Every version of every kernel kind on the preset's shapes, side by side (no model). */
  async runVersions(request: BenchRequest): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = '';
    this.update();
    try {
      const gpu = await this.session.open();
      if (!gpu) return;
      const results = await runKernelVersions(gpu, KERNEL_KINDS, GPT2_PRESETS[request.preset], {
        f16: request.storage === 'f16',
        T: request.prefillTokens,
        onStatus: (m) => this.setStatus(`Kernel versions: ${m}`),
      });
      this.versions = { request, results };
    } catch (e) {
      // The session has said so already.
      if (!isDeviceLost(e)) this.error = describeError(e);
    } finally {
      this.running = false;
      this.status = '';
      this.update();
    }
  }

  private setStatus(message: string): void {
    this.status = message;
    this.update();
  }

  private update(): void {
    this.host.requestUpdate();
  }
}

/** The preset's checkpoint, generated in a worker (seconds for GPT-2 small); abortable. */
function makeCheckpoint(
  preset: Gpt2PresetName,
  signal: AbortSignal,
): Promise<{
  configJson: string;
  safetensors: Uint8Array;
}> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const worker = new Worker(new URL('./bench-checkpoint-worker.ts', import.meta.url), {
      type: 'module',
    });
    signal.addEventListener(
      'abort',
      () => {
        worker.terminate();
        reject(signal.reason);
      },
      { once: true },
    );
    worker.onmessage = (e: MessageEvent<CheckpointResponse>) => {
      worker.terminate();
      const r = e.data;
      if (r.ok) resolve(r);
      else reject(new Error(`The random checkpoint could not be made: ${r.message}`));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`The checkpoint worker failed: ${e.message || 'out of memory?'}`));
    };
    worker.postMessage({ preset });
  });
}

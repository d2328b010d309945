/**
 * Runs the self-test of the bundled model on this browser's GPU: opens a GPU session of its
 * own (so the test is independent of whatever the playground has loaded, and works even
 * after the playground's device was lost), loads `weights/tiny-trained/` and its
 * `reference.json` over HTTP, compares each storage (f32, f16) with the reference through
 * src/generation/self-test.ts, and closes the device. Any WebGPU problem the session reports
 * meanwhile (validation, out of memory, a lost device) fails the test and is reported. Returns plain data.
 */
import { Gpt2Engine } from '../generation/gpt2-engine.ts';
import {
  parseSelfTestReference,
  runSelfTest,
  type SelfTestReport,
} from '../generation/self-test.ts';
import { GpuSession } from '../generation/gpu-session.ts';
import { folderFiles } from '../model/sources/index.ts';
import type { WeightStorage } from '../model/weights.ts';
import { describeError } from './format.ts';

export interface SelfTestRunOptions {
  /** The model folder (config.json, model.safetensors, reference.json). */
  modelUrl: string;
  storages: readonly WeightStorage[];
  /** Greedy steps checked per prompt (default: all the reference has). */
  maxGreedySteps?: number;
  signal?: AbortSignal;
  onStatus?: (message: string) => void;
}

/** What one storage gave: a report, or the error that stopped it. */
export type StorageOutcome =
  | { storage: WeightStorage; report: SelfTestReport; error: null }
  | { storage: WeightStorage; report: null; error: string };

export interface SelfTestRun {
  pass: boolean;
  adapter: string;
  shaderF16: boolean;
  model: string;
  outcomes: StorageOutcome[];
  /** WebGPU errors nobody handled during the run (any fails the test). */
  gpuErrors: string[];
  ms: number;
}

export async function runBundledSelfTest(options: SelfTestRunOptions): Promise<SelfTestRun> {
  const status = options.onStatus ?? (() => {});
  const t0 = performance.now();
  status('Opening the GPU');
  const gpuErrors: string[] = [];
  const session = new GpuSession({ onProblem: (p) => gpuErrors.push(p.message) });
  const gpu = await session.open();
  if (!gpu) {
    const s = session.status;
    throw new Error(s.state === 'unavailable' ? s.message : 'The GPU could not be opened.');
  }
  try {
    const files = folderFiles(options.modelUrl, 'the bundled model');
    status('Reading the reference values');
    let referenceJson: unknown;
    try {
      referenceJson = JSON.parse(await files.readText('reference.json', options.signal));
    } catch (e) {
      if (options.signal?.aborted) throw e;
      throw new Error(
        `The bundled model's reference.json could not be read (${describeError(e)}), so there is ` +
          'nothing to compare with.',
        { cause: e },
      );
    }
    const outcomes: StorageOutcome[] = [];
    for (const storage of options.storages) {
      options.signal?.throwIfAborted();
      status(`Loading the model with ${storage} weights`);
      let engine: Gpt2Engine | null = null;
      try {
        engine = await Gpt2Engine.load(gpu, files, { storage, signal: options.signal });
        const reference = parseSelfTestReference(referenceJson, engine.config.vocabSize);
        const report = await runSelfTest(engine, reference, {
          maxGreedySteps: options.maxGreedySteps,
          signal: options.signal,
          onProgress: (p) => status(`${storage} weights: prompt ${p.prompt + 1} of ${p.prompts}`),
        });
        outcomes.push({ storage, report, error: null });
      } catch (e) {
        if (options.signal?.aborted) throw e;
        outcomes.push({ storage, report: null, error: describeError(e) });
      } finally {
        engine?.unload();
      }
    }
    // Errors are delivered asynchronously: let the queue drain before judging.
    await session.settle();
    return {
      pass: gpuErrors.length === 0 && outcomes.every((o) => o.report?.pass === true),
      adapter: gpu.capabilities.adapterName,
      shaderF16: gpu.capabilities.shaderF16,
      model: options.modelUrl,
      outcomes,
      gpuErrors,
      ms: performance.now() - t0,
    };
  } finally {
    session.close();
  }
}

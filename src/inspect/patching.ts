/**
 * Activation patching on the GPU. Two prompts of equal token length, clean and corrupted, and
 * two answer tokens; LD = logit(right) - logit(wrong) at the last position. For each head
 * (l, h) the corrupted prompt runs with z[l,h] at every position taken from the clean run,
 * and for each (l, p) with the residual stream entering block l at position p taken from it:
 *   effect = (LD_patched - LD_corrupt) / (LD_clean - LD_corrupt)
 * (undefined, reported as null with the reason, when LD_clean = LD_corrupt).
 * The sweep is batched: the patched forwards are recorded into a few command buffers (each
 * forward copies its two logits into one results buffer), read back once at the end. A run
 * patched at block l starts there, on the corrupted run's residual stream entering it (the
 * blocks before compute exactly the corrupted run's values): GPT-2 small's sweep runs about
 * half the blocks of full forwards.
 */
import type { Gpt2Engine } from '../generation/gpt2-engine.ts';
import { CaptureHook } from '../model/capture-hook.ts';
import { PatchHook, type PatchVariant } from '../model/patch-hook.ts';

export interface PatchingRequest {
  cleanIds: readonly number[];
  corruptIds: readonly number[];
  rightId: number;
  wrongId: number;
}

export interface PatchingResult {
  cleanLd: number;
  corruptLd: number;
  /** [L][H] effects; null when undefined (see undefinedReason). */
  heads: (number | null)[][];
  /** [L][T] effects of patching resid_pre of block l at position p. */
  positions: (number | null)[][];
  /** LD of each patched run, [L][H] and [L][T]. */
  headsLd: number[][];
  positionsLd: number[][];
  /** Why the effects are undefined, when they are. */
  undefinedReason?: string;
  /** GPU work of the whole sweep; `blocks`: transformer blocks run, over all forwards. */
  stats: { forwards: number; submits: number; dispatches: number; blocks: number; ms: number };
}

export interface PatchingOptions {
  signal?: AbortSignal;
  /** Called after each command buffer of the sweep completes. */
  onProgress?: (done: number, total: number) => void;
  /** Patched forwards per command buffer (default 16). */
  forwardsPerSubmit?: number;
  /**
   * Start each patched run at its patched block (default true); false runs every block of
   * every run, for the benchmark's comparison and the test that both give the same numbers.
   */
  startAtPatchedBlock?: boolean;
}

/** Checks a request against the model; throws a RangeError that says what is wrong. */
export function checkPatchingRequest(engine: Gpt2Engine, r: PatchingRequest): void {
  const { vocabSize: V, nPositions: P } = engine.config;
  const { cleanIds: clean, corruptIds: corrupt } = r;
  if (clean.length === 0 || corrupt.length === 0) throw new RangeError('a prompt is empty');
  if (clean.length !== corrupt.length) {
    throw new RangeError(
      `the clean prompt has ${clean.length} tokens and the corrupted one ${corrupt.length}: ` +
        'patching needs prompts of equal token length',
    );
  }
  if (clean.length > P) {
    throw new RangeError(`the prompts have ${clean.length} tokens; this model reads at most ${P}`);
  }
  for (const id of [...clean, ...corrupt, r.rightId, r.wrongId]) {
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new RangeError(`token id ${id} is outside the vocabulary (0..${V - 1})`);
    }
  }
}

export async function runPatching(
  engine: Gpt2Engine,
  request: PatchingRequest,
  options: PatchingOptions = {},
): Promise<PatchingResult> {
  checkPatchingRequest(engine, request);
  const { gpu, model } = engine;
  const { nLayer: L, nHead: NH } = engine.config;
  const { cleanIds, corruptIds, rightId, wrongId } = request;
  const T = cleanIds.length;
  const perSubmit = Math.max(1, options.forwardsPerSubmit ?? 16);
  const fromBlock = options.startAtPatchedBlock ?? true;
  const variants: PatchVariant[] = [];
  for (let l = 0; l < L; l++)
    for (let h = 0; h < NH; h++) variants.push({ kind: 'head', layer: l, head: h });
  for (let l = 0; l < L; l++)
    for (let p = 0; p < T; p++) variants.push({ kind: 'resid_pre', layer: l, position: p });

  const t0 = performance.now();
  const act = model.activations;
  const capture = new CaptureHook(gpu, engine.config, act, ['head_out', 'resid_pre'], T);
  // The corrupted run's residual stream entering each block, where patched runs start.
  const corruptResid = fromBlock
    ? new CaptureHook(gpu, engine.config, act, ['resid_pre'], T)
    : null;
  const patch = new PatchHook(gpu, engine.config, act, capture, variants);
  // Two floats (logit(right), logit(wrong)) per run: clean, corrupt, then each variant.
  const runs = 2 + variants.length;
  const results = gpu.createBuffer(
    'patching.results',
    runs * 8,
    GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  );
  const stats = { forwards: 0, submits: 0, dispatches: 0, blocks: 0, ms: 0 };
  const keepLogits = (encoder: GPUCommandEncoder, run: number) => {
    encoder.copyBufferToBuffer(act.logits, rightId * 4, results, run * 8, 4);
    encoder.copyBufferToBuffer(act.logits, wrongId * 4, results, run * 8 + 4, 4);
  };
  const submit = async (encoder: GPUCommandEncoder) => {
    gpu.device.queue.submit([encoder.finish()]);
    stats.submits++;
    await gpu.device.queue.onSubmittedWorkDone();
  };
  try {
    gpu.assertAlive();
    // The clean run (captured) and the corrupted run, in one command buffer.
    let encoder = gpu.device.createCommandEncoder({ label: 'patching.clean' });
    model.setForwardHook(capture);
    stats.dispatches += model.encodeForward(encoder, cleanIds, 0);
    keepLogits(encoder, 0);
    await submit(encoder);
    model.setForwardHook(null);
    encoder = gpu.device.createCommandEncoder({ label: 'patching.corrupt' });
    model.setForwardHook(corruptResid);
    stats.dispatches += model.encodeForward(encoder, corruptIds, 0);
    keepLogits(encoder, 1);
    stats.forwards += 2;
    stats.blocks += 2 * L;
    model.setForwardHook(patch);
    for (let i = 0; i < variants.length; i++) {
      if (i % perSubmit === 0 && i > 0) {
        await submit(encoder);
        options.onProgress?.(i, variants.length);
        options.signal?.throwIfAborted();
        encoder = gpu.device.createCommandEncoder({ label: `patching.sweep.${i}` });
      }
      patch.select(i);
      const layer = corruptResid ? variants[i].layer : 0;
      stats.dispatches += corruptResid
        ? model.encodeForwardFrom(encoder, T, layer, corruptResid.buffers.resid_pre!, layer * T)
        : model.encodeForward(encoder, corruptIds, 0);
      keepLogits(encoder, 2 + i);
      stats.forwards++;
      stats.blocks += L - layer;
    }
    await submit(encoder);
    options.onProgress?.(variants.length, variants.length);
    const values = await gpu.readF32(results, 0, runs * 2);
    stats.submits++; // the readback
    stats.ms = performance.now() - t0;
    const ld = (run: number) => values[run * 2] - values[run * 2 + 1];
    const cleanLd = ld(0);
    const corruptLd = ld(1);
    const same = cleanLd === corruptLd;
    const effect = (x: number) => (same ? null : (x - corruptLd) / (cleanLd - corruptLd));
    const headsLd = Array.from({ length: L }, (_, l) =>
      Array.from({ length: NH }, (_, h) => ld(2 + l * NH + h)),
    );
    const positionsLd = Array.from({ length: L }, (_, l) =>
      Array.from({ length: T }, (_, p) => ld(2 + L * NH + l * T + p)),
    );
    const result: PatchingResult = {
      cleanLd,
      corruptLd,
      heads: headsLd.map((row) => row.map(effect)),
      positions: positionsLd.map((row) => row.map(effect)),
      headsLd,
      positionsLd,
      stats,
    };
    if (same) {
      result.undefinedReason =
        `LD_clean equals LD_corrupt (${cleanLd}): the effect divides by their difference, ` +
        'so it is undefined; choose prompts or answers on which the two runs disagree';
    }
    return result;
  } finally {
    model.setForwardHook(null);
    engine.dropCache();
    patch.destroy();
    corruptResid?.destroy();
    capture.destroy();
    gpu.destroyBuffer(results);
  }
}

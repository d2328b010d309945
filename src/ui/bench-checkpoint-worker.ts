/**
 * Makes the benchmark's random GPT-2-shaped checkpoint off the main thread (GPT-2 small's
 * 250 MB take seconds to generate; the page stays responsive meanwhile) and hands the bytes
 * back without a copy. Same options as run-bench.ts's presetModelFiles: F16 in the file, seed 1.
 */
import { isGpt2PresetName } from '../model/config.ts';
import { makeRandomCheckpoint } from '../model/random-checkpoint.ts';

export interface CheckpointRequest {
  preset: string;
}

export type CheckpointResponse =
  { ok: true; configJson: string; safetensors: Uint8Array } | { ok: false; message: string };

self.onmessage = (e: MessageEvent<CheckpointRequest>) => {
  const { preset } = e.data;
  let reply: CheckpointResponse;
  try {
    if (!isGpt2PresetName(preset)) throw new RangeError(`"${preset}" is not a GPT-2 preset`);
    const ckpt = makeRandomCheckpoint({ preset, dtype: 'F16', seed: 1 });
    reply = { ok: true, configJson: ckpt.configJson, safetensors: ckpt.safetensors };
    (self as unknown as Worker).postMessage(reply, [ckpt.safetensors.buffer]);
    return;
  } catch (err) {
    reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  (self as unknown as Worker).postMessage(reply);
};

/**
 * Writes a random checkpoint to a directory (Node only: kept apart from
 * random-checkpoint.ts so the browser bundle never sees node:fs).
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  randomCheckpointChunks,
  randomCheckpointLayout,
  type RandomCheckpointLayout,
  type RandomCheckpointOptions,
} from './random-checkpoint.ts';

/**
 * Creates `dir` if needed and writes config.json and model.safetensors into it, one
 * chunk of a tensor at a time, so GPT-2 small (~500 MB in F32) needs only a few MB of memory.
 */
export async function writeRandomCheckpoint(
  dir: string,
  opts: RandomCheckpointOptions = {},
): Promise<RandomCheckpointLayout> {
  const layout = randomCheckpointLayout(opts);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), layout.configJson + '\n');
  const file = await open(join(dir, 'model.safetensors'), 'w');
  try {
    for (const chunk of randomCheckpointChunks(layout)) await file.write(chunk);
  } finally {
    await file.close();
  }
  return layout;
}

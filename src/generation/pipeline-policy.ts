/**
 * When the decode loop lets the GPU choose the next token and queues the step after it
 * before the CPU has read this one (pipelined decode; see generate.ts). The GPU's choice is
 * always checked by the CPU sampler, so this decides only whether guessing is worth it: it
 * is not when the CPU will need the full logits anyway, since the queued step would then
 * have to be thrown away and this one run again.
 */
import { CANDIDATES } from '../model/readback.ts';
import { isGreedy, type SamplingSettings } from './sampling-settings.ts';

/**
 * '' when the candidates usually decide the token under `settings` (so the GPU may choose
 * it); otherwise why the CPU will read the full logits, said to the user per token.
 */
export function gpuSamplingBlocker(settings: SamplingSettings, vocabSize: number): string {
  if (isGreedy(settings) || vocabSize <= CANDIDATES) return '';
  if (settings.topK > 0 && settings.topK <= CANDIDATES) return '';
  if (settings.topP < 1) return '';
  return settings.topK === 0
    ? 'top-k and top-p are off: any token can be drawn, so the CPU reads all the logits'
    : `top-k = ${settings.topK} keeps more than the ${CANDIDATES} candidates and top-p is off, so the CPU reads all the logits`;
}

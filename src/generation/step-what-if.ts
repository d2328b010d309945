/**
 * One generated step replayed under other settings: what temperature, top-k and top-p make of
 * the candidates the GPU read back for it (the CANDIDATES largest logits and each one's
 * exact model probability), without sampling again. This is the "step under the
 * microscope": the same logits processors as the sampler (logits-processors.ts), applied to
 * the recorded candidates.
 *
 * The candidates are the top CANDIDATES tokens only; the rest of the vocabulary is not kept
 * with a step. So the model's probabilities are exact (recorded over the whole vocabulary),
 * but what temperature and the filters make of them is computed over the candidates,
 * renormalised, and `coverage` says how much of the model's probability they hold (the share
 * the what-if cannot see). At the settings the step used, the kept set and the chosen token's rank are
 * those of the real draw whenever the sampler decided from the candidates.
 */
import { temperatureWeights, topKKeepCount, topPKeepCount } from './logits-processors.ts';

/** A candidate as a step records it: sorted by logit descending (ties: lower id first). */
export interface RecordedCandidate {
  id: number;
  logit: number;
  /** The model's probability over the whole vocabulary (temperature 1). */
  modelProb: number;
}

export interface WhatIfSettings {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
}

export interface WhatIfRow {
  id: number;
  /** 1 for the likeliest. */
  rank: number;
  /** The model's probability over the whole vocabulary (as recorded: exact). */
  modelProb: number;
  /** After temperature (over the candidates). */
  tempProb: number;
  /** After top-k and top-p: what the draw would use (0 when cut). */
  finalProb: number;
  kept: boolean;
}

export interface StepWhatIf {
  rows: WhatIfRow[];
  /** Rows top-k keeps (ties at the k-th kept); null when top-k is off or keeps them all. */
  topKCut: number | null;
  /** Rows top-p keeps of those; null when top-p is off or keeps them all. */
  topPCut: number | null;
  /** Rows that can be drawn. */
  kept: number;
  /** Rank of `chosenId` among the candidates, null when it is not one of them. */
  chosenRank: number | null;
  /** Probability `chosenId` would have under these settings (0 when cut). */
  chosenProb: number;
  /** Entropy in bits of the model's distribution over the candidates (renormalised). */
  modelEntropy: number;
  /** Entropy in bits of the distribution the draw would use. */
  finalEntropy: number;
  /** The candidates' share of the model's probability over the whole vocabulary. */
  coverage: number;
}

/**
 * The distributions of one step under `settings`. `candidates` must be sorted by logit
 * descending (the engine's order); throws RangeError otherwise or when empty.
 */
export function stepWhatIf(
  candidates: readonly RecordedCandidate[],
  chosenId: number,
  settings: WhatIfSettings,
): StepWhatIf {
  const n = candidates.length;
  if (n === 0) throw new RangeError('stepWhatIf: no candidates');
  const logits = new Float64Array(n);
  let coverage = 0;
  for (let i = 0; i < n; i++) {
    logits[i] = candidates[i].logit;
    if (i > 0 && !(logits[i] <= logits[i - 1])) {
      throw new RangeError(`stepWhatIf: candidates must be sorted by logit (at index ${i})`);
    }
    coverage += candidates[i].modelProb;
  }
  const max = logits[0];
  const model = normalised(temperatureWeights(logits, n, max, 1), n);
  let temp: Float64Array;
  let kept: number;
  let topKCut: number | null = null;
  let topPCut: number | null = null;
  if (settings.temperature === 0) {
    // Greedy: the point mass on the argmax (lower id first on ties, the engine's order).
    temp = new Float64Array(n);
    temp[0] = 1;
    kept = 1;
  } else {
    temp = normalised(temperatureWeights(logits, n, max, settings.temperature), n);
    const m = topKKeepCount(logits, n, settings.topK);
    if (m < n) topKCut = m;
    kept = topPKeepCount(temp, m, settings.topP);
    if (kept < m) topPCut = kept;
  }
  const final = normalised(temp, kept);
  const rows = candidates.map((c, i) => ({
    id: c.id,
    rank: i + 1,
    modelProb: c.modelProb,
    tempProb: temp[i],
    finalProb: i < kept ? final[i] : 0,
    kept: i < kept,
  }));
  const chosen = rows.findIndex((r) => r.id === chosenId);
  return {
    rows,
    topKCut,
    topPCut,
    kept,
    chosenRank: chosen < 0 ? null : chosen + 1,
    chosenProb: chosen < 0 ? 0 : rows[chosen].finalProb,
    modelEntropy: entropyBits(model, n),
    finalEntropy: entropyBits(final, kept),
    coverage: Math.min(1, coverage),
  };
}

/** Shannon entropy in bits of the first `count` probabilities (0 log 0 = 0). */
export function entropyBits(probs: ArrayLike<number>, count = probs.length): number {
  let h = 0;
  for (let i = 0; i < count; i++) {
    const p = probs[i];
    if (p > 0) h -= p * Math.log2(p);
  }
  return h;
}

/** The first `count` weights divided by their sum (the rest 0). */
function normalised(w: ArrayLike<number>, count: number): Float64Array {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += w[i];
  const out = new Float64Array(w.length);
  for (let i = 0; i < count; i++) out[i] = w[i] / sum;
  return out;
}

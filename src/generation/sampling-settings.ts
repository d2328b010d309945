/**
 * How the next token is chosen, validated once where the values enter (the UI, the CLI) and
 * trusted everywhere after. Semantics follow Hugging Face transformers: temperature, then
 * top-k, then top-p (see logits-processors.ts).
 */
export interface SamplingSettings {
  /** 0 = greedy (argmax, lower id on ties); otherwise logits are divided by it. */
  temperature: number;
  /** Keep the logits >= the k-th largest (ties kept); 0 = off. */
  topK: number;
  /** Keep the smallest most-likely prefix whose probability reaches topP; 1 = off. */
  topP: number;
  /** Seed of the random generator (a u32): the same seed and settings give the same text. */
  seed: number;
}

/** Smallest positive temperature. 1 / temperature must stay a finite f32 (the GPU gets it as
 * one); 1e-6 leaves a wide margin and is already greedy for any logit gap above 1e-4. */
export const MIN_TEMPERATURE = 1e-6;

export const DEFAULT_SAMPLING_SETTINGS: Readonly<SamplingSettings> = {
  temperature: 1,
  topK: 50,
  topP: 1,
  seed: 0,
};

/** Settings as they arrive from outside: numbers or numeric strings (form fields), or absent. */
export type RawSamplingSettings = Partial<Record<keyof SamplingSettings, unknown>>;

/**
 * Checks and converts raw settings; a missing field takes its DEFAULT_SAMPLING_SETTINGS
 * value. Throws a RangeError naming the field, the allowed range and the value given:
 * - temperature: 0 (greedy) or a finite number >= MIN_TEMPERATURE;
 * - topK: an integer >= 0 (0 = off);
 * - topP: a number in (0, 1] (1 = off). 0 is refused rather than read as "off" or
 *   "greedy": HF keeps one token at top_p = 0, which is greedy spelled differently, and a
 *   0 here is far more often a slip; use temperature 0 for greedy;
 * - seed: an integer in [0, 2^32 - 1].
 */
export function parseSamplingSettings(raw: RawSamplingSettings): SamplingSettings {
  const d = DEFAULT_SAMPLING_SETTINGS;
  const temperature = toNumber(raw.temperature, d.temperature);
  if (!Number.isFinite(temperature) || (temperature !== 0 && !(temperature >= MIN_TEMPERATURE))) {
    throw new RangeError(
      `temperature must be 0 (greedy) or a finite number >= ${MIN_TEMPERATURE.toExponential()}, got ${String(raw.temperature)}`,
    );
  }
  const topK = toNumber(raw.topK, d.topK);
  if (!Number.isSafeInteger(topK) || topK < 0) {
    throw new RangeError(`topK must be an integer >= 0 (0 = off), got ${String(raw.topK)}`);
  }
  const topP = toNumber(raw.topP, d.topP);
  if (!(topP > 0 && topP <= 1)) {
    throw new RangeError(`topP must be a number in (0, 1] (1 = off), got ${String(raw.topP)}`);
  }
  const seed = toNumber(raw.seed, d.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 4294967295, got ${String(raw.seed)}`);
  }
  // -0 would print oddly and compares equal anyway.
  return { temperature: temperature + 0, topK, topP, seed };
}

/** Temperature 0: the argmax is taken and no random number is drawn. */
export function isGreedy(settings: SamplingSettings): boolean {
  return settings.temperature === 0;
}

/** The inverse temperature the logsumexp kernel takes: 1 / temperature, 1 for greedy. */
export function inverseTemperature(settings: SamplingSettings): number {
  return isGreedy(settings) ? 1 : 1 / settings.temperature;
}

/** A number, or a string holding one (form fields); anything else becomes NaN, which every
 * range check refuses with its own message. */
function toNumber(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return NaN;
}

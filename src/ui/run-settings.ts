/**
 * The settings of a run as the playground offers them: the engine's sampling settings plus
 * how many tokens to generate. Form fields and URL parameters go through parseRunSettings
 * once; everything after trusts the typed object.
 */
import {
  DEFAULT_SAMPLING_SETTINGS,
  parseSamplingSettings,
  type RawSamplingSettings,
  type SamplingSettings,
} from '../generation/sampling-settings.ts';

export interface RunSettings {
  sampling: SamplingSettings;
  /** Tokens to generate per Generate / Continue (read again before every token). */
  maxNewTokens: number;
}

export type RawRunSettings = RawSamplingSettings & { maxNewTokens?: unknown };

/** The playground's temperature range (the engine accepts any positive value). */
export const MAX_TEMPERATURE = 2;
export const MAX_NEW_TOKENS = 1024;
/** GPT-2's vocabulary: a top-k beyond it keeps every token (as 0 does). */
export const MAX_TOP_K = 50257;

export const DEFAULT_RUN_SETTINGS: Readonly<RunSettings> = {
  sampling: { ...DEFAULT_SAMPLING_SETTINGS, temperature: 0.8, topK: 40, topP: 0.95, seed: 42 },
  maxNewTokens: 64,
};

/** How each setting is named to people (the engine's messages use the code names). */
export const FIELD_LABELS: Record<keyof RawRunSettings, string> = {
  temperature: 'temperature',
  topK: 'top-k',
  topP: 'top-p',
  seed: 'seed',
  maxNewTokens: 'max new tokens',
};

/** A setting that could not be used, with the field it belongs to (for the form). */
export class SettingsError extends RangeError {
  override name = 'SettingsError';
  constructor(
    readonly field: keyof RawRunSettings,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Raw values (strings from form fields or the URL, numbers, or absent = default) to
 * RunSettings. Throws SettingsError naming the field and its allowed range.
 */
export function parseRunSettings(
  raw: RawRunSettings,
  defaults: Readonly<RunSettings> = DEFAULT_RUN_SETTINGS,
): RunSettings {
  const d = defaults.sampling;
  const pick = (k: keyof SamplingSettings) => (isBlank(raw[k]) ? d[k] : raw[k]);
  const rawSampling: RawSamplingSettings = {
    temperature: pick('temperature'),
    topK: pick('topK'),
    topP: pick('topP'),
    seed: pick('seed'),
  };
  let sampling: SamplingSettings;
  try {
    sampling = parseSamplingSettings(rawSampling);
  } catch (e) {
    const message = (e as Error).message;
    const field = (['temperature', 'topK', 'topP', 'seed'] as const).find((f) =>
      message.startsWith(f),
    );
    if (!field) throw e;
    throw new SettingsError(field, `${FIELD_LABELS[field]}${message.slice(field.length)}`);
  }
  if (sampling.topK > MAX_TOP_K) {
    throw new SettingsError(
      'topK',
      `top-k must be a whole number from 0 (off) to ${MAX_TOP_K} (the vocabulary), got ${String(raw.topK)}`,
    );
  }
  if (sampling.temperature > MAX_TEMPERATURE) {
    throw new SettingsError(
      'temperature',
      `temperature must be from 0 (greedy) to ${MAX_TEMPERATURE}, got ${String(raw.temperature)}`,
    );
  }
  const maxNewTokens = isBlank(raw.maxNewTokens) ? defaults.maxNewTokens : Number(raw.maxNewTokens);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1 || maxNewTokens > MAX_NEW_TOKENS) {
    throw new SettingsError(
      'maxNewTokens',
      `max new tokens must be a whole number from 1 to ${MAX_NEW_TOKENS}, got ${String(raw.maxNewTokens)}`,
    );
  }
  return { sampling, maxNewTokens };
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

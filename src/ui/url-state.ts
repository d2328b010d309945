/**
 * The playground's state in the query string, so a link reproduces a run: the same model,
 * prompt, seed and settings give the same tokens.
 *
 *   ?model=hf:openai-community/gpt2&precision=f16&prompt=Hello&temperature=0.8&top_k=40
 *    &top_p=0.95&max_tokens=64&seed=42            (plus hub=URL to use another hub, for tests)
 *    &ablate=0.0,3.2&ablate_mode=scale:0.5        (heads ablated, as the CLI's --ablate flags)
 *
 * Reading never throws: a value that does not parse is dropped and reported in `problems`,
 * so a hand-edited link still opens the app.
 */
import type { WeightStorage } from '../model/weights.ts';
import { parseModelChoice, choiceSpec, type ModelChoice } from './model-choices.ts';
import {
  ablationFromParams,
  formatHeads,
  formatMode,
  type AblationSettings,
} from './interventions/ablation.ts';
import {
  DEFAULT_RUN_SETTINGS,
  parseRunSettings,
  SettingsError,
  type RawRunSettings,
  type RunSettings,
} from './run-settings.ts';

export interface UrlState {
  /** null: none in the link (the app picks its default). */
  model: ModelChoice | null;
  storage: WeightStorage | null;
  prompt: string | null;
  settings: RunSettings;
  /** The hub's address when not huggingface.co (a local test server). */
  hubBase: string | null;
  /** Heads ablated (none when the link has no `ablate`). */
  ablation: AblationSettings;
  /** Parameters that were present but could not be used, as messages for the user. */
  problems: string[];
}

const SETTING_PARAMS: Record<keyof RawRunSettings, string> = {
  temperature: 'temperature',
  topK: 'top_k',
  topP: 'top_p',
  seed: 'seed',
  maxNewTokens: 'max_tokens',
};

export function readUrlState(href: string): UrlState {
  const url = new URL(href);
  const q = url.searchParams;
  const problems: string[] = [];

  let model: ModelChoice | null = null;
  const spec = q.get('model');
  if (spec) {
    try {
      model = parseModelChoice(spec, href);
    } catch (e) {
      problems.push(`The link's model "${spec}" cannot be used: ${(e as Error).message}`);
    }
  }

  const precision = q.get('precision');
  let storage: WeightStorage | null = null;
  if (precision === 'f16' || precision === 'f32') storage = precision;
  else if (precision) problems.push(`The link's precision "${precision}" is not f16 or f32.`);

  // Each setting separately, so one bad value does not discard the others.
  const raw: RawRunSettings = {};
  for (const [field, param] of Object.entries(SETTING_PARAMS) as [keyof RawRunSettings, string][]) {
    const value = q.get(param);
    if (value === null) continue;
    try {
      parseRunSettings({ [field]: value });
      raw[field] = value;
    } catch (e) {
      problems.push(`The link's ${param} is ignored: ${(e as SettingsError).message}.`);
    }
  }
  const settings = parseRunSettings(raw, DEFAULT_RUN_SETTINGS);

  let hubBase: string | null = null;
  const hub = q.get('hub');
  if (hub) {
    try {
      const h = new URL(hub);
      if (h.protocol !== 'http:' && h.protocol !== 'https:') throw new Error('not http(s)');
      hubBase = h.href.replace(/\/+$/, '');
    } catch {
      problems.push(`The link's hub "${hub}" is not an http(s) URL; using huggingface.co.`);
    }
  }

  const ablated = ablationFromParams(q.get('ablate'), q.get('ablate_mode'));
  problems.push(...ablated.problems);

  return {
    model,
    storage,
    prompt: q.get('prompt'),
    settings,
    hubBase,
    ablation: ablated.ablation,
    problems,
  };
}

export interface UrlStateToWrite {
  model: ModelChoice | null;
  storage: WeightStorage;
  prompt: string;
  settings: RunSettings;
  hubBase: string | null;
  /** Absent: the link's ablate parameters are left as they are. */
  ablation?: AblationSettings;
}

/** `href` with the state in its query (other parameters kept). */
export function writeUrlState(href: string, s: UrlStateToWrite): string {
  const url = new URL(href);
  const q = url.searchParams;
  const spec = s.model ? choiceSpec(s.model) : null;
  setOrDelete(q, 'model', spec);
  q.set('precision', s.storage);
  q.set('prompt', s.prompt);
  const { sampling, maxNewTokens } = s.settings;
  q.set(SETTING_PARAMS.temperature, String(sampling.temperature));
  q.set(SETTING_PARAMS.topK, String(sampling.topK));
  q.set(SETTING_PARAMS.topP, String(sampling.topP));
  q.set(SETTING_PARAMS.maxNewTokens, String(maxNewTokens));
  q.set(SETTING_PARAMS.seed, String(sampling.seed));
  setOrDelete(q, 'hub', s.hubBase);
  if (s.ablation) {
    const on = s.ablation.heads.length > 0;
    setOrDelete(q, 'ablate', on ? formatHeads(s.ablation.heads) : null);
    setOrDelete(q, 'ablate_mode', on ? formatMode(s.ablation) : null);
  }
  return url.href;
}

function setOrDelete(q: URLSearchParams, name: string, value: string | null): void {
  if (value === null) q.delete(name);
  else q.set(name, value);
}

/**
 * The models the picker offers and how a choice is written in the URL. A choice is a hub
 * repo or URL folder (any spec resolve-source.ts reads), the model bundled with the app, or
 * files the user picked or dropped (which cannot be put in a link).
 */
import {
  DEFAULT_REVISION,
  formatModelSpec,
  ModelSpecError,
  parseModelSpec,
  type ModelSource,
} from '../model/sources/index.ts';

export type ModelChoice =
  | Extract<ModelSource, { kind: 'hub' | 'url' }>
  | { kind: 'bundled' }
  | { kind: 'files'; files: readonly File[] };

export interface HubPreset {
  repo: string;
  label: string;
  params: string;
  /** Size of model.safetensors, for the picker (the download). */
  download: string;
}

/** Where the app serves its own trained model (copied into dist by vite.config.ts). */
export const BUNDLED_MODEL_PATH = 'weights/tiny-trained';
export const BUNDLED_SPEC = 'bundled';
export const DEFAULT_HUB_MODEL = 'openai-community/gpt2';

/** The GPT-2 family on the hub, as the picker offers it. */
export const HUB_PRESETS: readonly HubPreset[] = [
  { repo: DEFAULT_HUB_MODEL, label: 'GPT-2 small', params: '124M', download: '548 MB' },
  { repo: 'distilbert/distilgpt2', label: 'DistilGPT-2', params: '82M', download: '353 MB' },
  {
    repo: 'openai-community/gpt2-medium',
    label: 'GPT-2 medium',
    params: '355M',
    download: '1.5 GB',
  },
  { repo: 'openai-community/gpt2-large', label: 'GPT-2 large', params: '774M', download: '3.2 GB' },
  { repo: 'openai-community/gpt2-xl', label: 'GPT-2 XL', params: '1.5B', download: '6.4 GB' },
];

export function hubChoice(repo: string): ModelChoice {
  return { kind: 'hub', repo, revision: DEFAULT_REVISION };
}

/**
 * A spec typed by the user or read from the URL: "bundled", a hub id ("gpt2",
 * "owner/name", "hf:owner/name@rev"), an http(s) URL, or a path on this site ("/weights/x",
 * "./weights/x"), which a browser can only mean as a URL. Throws ModelSpecError (or
 * InvalidRepoIdError) with a message for the user.
 */
export function parseModelChoice(spec: string, pageUrl: string): ModelChoice {
  const s = spec.trim();
  if (s === BUNDLED_SPEC) return { kind: 'bundled' };
  let text = s;
  if (/^\.{0,2}[\\/]/.test(s)) {
    // "//host/m" and "/\host/m" are other sites spelled as paths (browsers read "\" as "/"):
    // a path on this site must resolve to this site.
    const url = new URL(s, pageUrl);
    if (url.origin !== new URL(pageUrl).origin || /^[\\/]{2}/.test(s)) {
      throw new ModelSpecError(
        `"${s}" is not a path on this site: it points at ${url.host}. Write a model on ` +
          'another site as its full https:// URL.',
      );
    }
    text = url.href;
  }
  const source = parseModelSpec(text);
  if (source.kind === 'dir') {
    throw new ModelSpecError(
      `"${s}" is neither a Hugging Face repo id (owner/name) nor a URL. A web page cannot read ` +
        'folders by path: use "Local files" to pick the folder instead.',
    );
  }
  return source;
}

/** The URL-parameter form of a choice; null for picked files (they cannot be linked). */
export function choiceSpec(choice: ModelChoice): string | null {
  switch (choice.kind) {
    case 'bundled':
      return BUNDLED_SPEC;
    case 'files':
      return null;
    default:
      return formatModelSpec(choice);
  }
}

/**
 * A short name for headers and messages: "GPT-2 small", "owner/name", "1 local file". A
 * model not from this site or huggingface.co names its host: "other.host/m", "GPT-2 small
 * (hub at 127.0.0.1:8080)".
 */
export function choiceLabel(choice: ModelChoice, hubBase: string | null = null): string {
  const label = baseLabel(choice);
  return choice.kind === 'hub' && hubBase !== null
    ? `${label} (hub at ${new URL(hubBase).host})`
    : label;
}

function baseLabel(choice: ModelChoice): string {
  switch (choice.kind) {
    case 'bundled':
      return 'tiny-trained (bundled)';
    case 'files': {
      const weights = choice.files.find((f) => f.name.endsWith('.safetensors'));
      const folder = weights?.webkitRelativePath.split('/')[0];
      if (folder) return `local folder ${folder}`;
      const n = choice.files.length;
      return `${n} local file${n === 1 ? '' : 's'}`;
    }
    case 'hub': {
      const preset = HUB_PRESETS.find((p) => p.repo === choice.repo);
      const rev = choice.revision === DEFAULT_REVISION ? '' : `@${choice.revision}`;
      return preset ? `${preset.label}${rev}` : `${choice.repo}${rev}`;
    }
    case 'url':
      return choice.url.replace(/^https?:\/\//, '');
  }
}

/** Same model? (Picked files compare by identity: picking again is a new choice.) */
export function sameChoice(a: ModelChoice, b: ModelChoice): boolean {
  if (a.kind === 'files' || b.kind === 'files') return a === b;
  return choiceSpec(a) === choiceSpec(b);
}

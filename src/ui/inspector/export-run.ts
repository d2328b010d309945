/**
 * The whole run as one JSON document: the model, the prompt and its ids, the settings and
 * seed, and every generated token with its probability, the settings it was drawn with and
 * the candidates the model weighed. Field names follow the CLI's `--json` output
 * (`prompt_ids`, `ids`, `text`, `stop`), so a run from the page and one from `npm run
 * generate` read alike. Pure data in, plain object out; `downloadRun` saves it as a file.
 */
import type { SamplingSettings } from '../../generation/sampling-settings.ts';
import type { StopReason } from '../../generation/generate.ts';
import type { LoadedModel, OutputToken, RunFigures } from '../app-state.ts';
import type { StepKernels } from '../kernel-figures.ts';
import { choiceSpec } from '../model-choices.ts';
import { downloadBlob } from './png-export.ts';
import { formatHeads, formatMode, type AblationSettings } from '../interventions/ablation.ts';
import type { RunSettings } from '../run-settings.ts';
import { ROLE_THRESHOLD, type HeadRoles } from '../../inspect/head-roles.ts';

/** What the shell knows about the run (all of it is on the EngineController). */
export interface RunExportInput {
  model: LoadedModel | null;
  /** The GPU adapter's name, when known. */
  adapter?: string | null;
  prompt: string;
  /** The prompt's token ids (the context the output continues). */
  promptIds: readonly number[];
  settings: RunSettings;
  output: readonly OutputToken[];
  stopReason: StopReason | null;
  figures?: RunFigures | null;
  /** The attention map on screen, if any. */
  attention?: { layer: number; head: number } | null;
  /** The heads ablated now (null or absent: none). */
  intervention?: AblationSettings | null;
  /** The head roles found for this model (null or absent: not computed). */
  roles?: HeadRoles | null;
}

export const RUN_FORMAT = 'gpt2-webgpu-playground/run';
export const RUN_FORMAT_VERSION = 1;

/** JSON has no NaN or Infinity: those become null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function samplingJson(s: SamplingSettings) {
  return { temperature: s.temperature, top_k: s.topK, top_p: s.topP, seed: s.seed };
}

/** As the CLI's flags: {"ablate": "0.0,3.2", "ablate_mode": "scale:0.5"}; null for none. */
function interventionJson(a: AblationSettings | null | undefined) {
  return a && a.heads.length ? { ablate: formatHeads(a.heads), ablate_mode: formatMode(a) } : null;
}

function sameSampling(a: SamplingSettings, b: SamplingSettings): boolean {
  return (
    a.temperature === b.temperature && a.topK === b.topK && a.topP === b.topP && a.seed === b.seed
  );
}

/** The export document (a plain object, ready for JSON.stringify). */
export function buildRunExport(run: RunExportInput, now: Date = new Date()) {
  const m = run.model;
  const s = run.settings.sampling;
  const tokens = run.output.map((t, index) => ({
    index,
    position: run.promptIds.length + index,
    id: t.id,
    text: t.text,
    prob: num(t.prob),
    branched: t.branched,
    used_full_logits: t.usedFullLogits,
    ...(t.pipeline ? { pipelined: t.pipeline.ahead, pipeline_note: t.pipeline.note } : {}),
    // Only when they differ from the run's settings (changed while the tokens streamed).
    ...(sameSampling(t.settings, s) ? {} : { settings: samplingJson(t.settings) }),
    // The heads ablated when it was drawn, like the settings: only under an intervention.
    ...(t.intervention ? { intervention: interventionJson(t.intervention) } : {}),
    candidates: t.alternatives.map((a) => ({
      id: a.id,
      text: a.text,
      logit: num(a.logit),
      prob: num(a.prob),
      prob_before_filter: num(a.probBeforeFilter),
      model_prob: num(a.modelProb),
    })),
  }));
  const f = run.figures;
  return {
    format: RUN_FORMAT,
    version: RUN_FORMAT_VERSION,
    exported_at: now.toISOString(),
    model: m
      ? {
          label: m.label,
          spec: choiceSpec(m.choice),
          source: m.description,
          storage: m.storage,
          config: {
            n_layer: m.config.nLayer,
            n_head: m.config.nHead,
            n_embd: m.config.nEmbd,
            n_positions: m.config.nPositions,
            vocab_size: m.config.vocabSize,
          },
        }
      : null,
    adapter: run.adapter ?? null,
    prompt: run.prompt,
    prompt_ids: [...run.promptIds],
    settings: { ...samplingJson(s), max_new_tokens: run.settings.maxNewTokens },
    seed: s.seed,
    ids: run.output.map((t) => t.id),
    text: run.output.map((t) => t.text).join(''),
    stop: run.stopReason,
    tokens,
    figures: f
      ? {
          ttft_ms: f.ttftMs,
          prefill_ms: f.prefillMs,
          prefill_tokens: f.prefillTokens,
          ms_per_token: f.msPerToken,
          tokens_per_second: f.tokensPerSecond,
          // Pipelined decode: tokens after which the GPU went on without waiting for the CPU.
          pipelined_tokens: f.aheadTokens,
          // GPU time per kernel kind (timestamp queries), when the run was timed.
          gpu_ms_per_kernel: f.kernels
            ? {
                prefill: stepKernelsJson(f.kernels.prefill),
                prefill_tokens: f.kernels.prefillTokens,
                decode_mean: stepKernelsJson(f.kernels.decode),
                decode_steps: f.kernels.decodeSteps,
              }
            : null,
        }
      : null,
    attention_view: run.attention ?? null,
    intervention: interventionJson(run.intervention),
    // As the CLI's `inspect roles --json`: each score [layer][head], on the input `ids`.
    head_roles: run.roles
      ? {
          ids: [...run.roles.ids],
          threshold: ROLE_THRESHOLD,
          previous: run.roles.previous,
          first: run.roles.first,
          self: run.roles.self,
          induction: run.roles.induction,
        }
      : null,
  };
}

export type RunExport = ReturnType<typeof buildRunExport>;

function stepKernelsJson(
  k: StepKernels | null,
): { gpu_ms: number; wall_ms: number; kernels: Record<string, number> } | null {
  if (!k) return null;
  return {
    gpu_ms: k.gpuMs,
    wall_ms: k.wallMs,
    kernels: Object.fromEntries(k.kernels.map((t) => [t.kind, t.ms])),
  };
}

/** "gpt2-run-2025-01-31T12-34-56.json" */
export function runFileName(now: Date = new Date()): string {
  return `gpt2-run-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.json`;
}

/** Builds the export and saves it as a JSON file. */
export function downloadRun(run: RunExportInput): RunExport {
  const now = new Date();
  const doc = buildRunExport(run, now);
  const blob = new Blob([JSON.stringify(doc, null, 2) + '\n'], { type: 'application/json' });
  downloadBlob(blob, runFileName(now));
  return doc;
}

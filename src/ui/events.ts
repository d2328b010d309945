/**
 * Every event the playground's components fire (the inspector's too), declared once: one type per event, its
 * detail typed, registered in HTMLElementEventMap. Components only report what the user
 * asked for; the app hands the intent to the EngineController, and state flows back down
 * as properties. All of them bubble and cross shadow roots.
 */
import type { WeightStorage } from '../model/weights.ts';
import type { ModelChoice } from './model-choices.ts';
import type { RunSettings } from './run-settings.ts';
import type { AblationSettings } from './interventions/ablation.ts';

/** What a message's buttons can ask for. */
export type MessageAction =
  'reload-model' | 'load-bundled' | 'retry-load' | 'undo-prompt-edit' | 'dismiss';

export interface UiEventDetails {
  /** Load a model (replacing the current one once it is ready). */
  'model-load': { choice: ModelChoice; storage: WeightStorage };
  /** Cancel the model being loaded. */
  'model-cancel': Record<string, never>;
  /** The prompt text changed. */
  'prompt-input': { text: string };
  /** Generate from the prompt (new) or continue the current output. */
  'generate-request': { mode: 'new' | 'continue' | 'step' };
  /** Stop the generation now. */
  'generation-stop': Record<string, never>;
  /** Remove the generated text. */
  'output-clear': Record<string, never>;
  /** New valid settings (they apply to the next token). */
  'settings-change': RunSettings;
  /** The settings fields hold values that cannot be used (null: they all can now). */
  'settings-problem': { problem: string | null };
  /** Replace the token at `index` of the output by `id` and continue from there. */
  'token-branch': { index: number; id: number };
  /** Show branch `id` of the history in the output. */
  'branch-select': { id: number };
  /** A button of a message banner. */
  'message-action': { action: MessageAction };
  /** Time each kernel with timestamp queries, or not (applies to the next token). */
  'kernel-profile-change': { enabled: boolean };
  /** Inspector: a token of the context was selected (null: the selection was cleared). */
  'token-select': { position: number | null };
  /** Inspector: a (layer, head) attention map was chosen (a thumbnail, the selects). */
  'attention-select': { layer: number; head: number };
  /** The user's answer to "download from this host?" (see host-approval.ts). */
  'host-approval': { approved: boolean };
  /** Interventions: ablate (layer, head), or stop ablating it. */
  'head-ablate': { layer: number; head: number; ablated: boolean };
  /** Interventions: new ablation settings (heads, mode, scale), valid. */
  'ablation-change': AblationSettings;
  /** Interventions: compute the heads' roles for the loaded model. */
  'roles-request': Record<string, never>;
}

export type UiEventName = keyof UiEventDetails;
export type UiEvent<K extends UiEventName> = CustomEvent<UiEventDetails[K]>;

export type ModelLoadEvent = UiEvent<'model-load'>;
export type ModelCancelEvent = UiEvent<'model-cancel'>;
export type PromptInputEvent = UiEvent<'prompt-input'>;
export type GenerateRequestEvent = UiEvent<'generate-request'>;
export type GenerationStopEvent = UiEvent<'generation-stop'>;
export type OutputClearEvent = UiEvent<'output-clear'>;
export type SettingsChangeEvent = UiEvent<'settings-change'>;
export type SettingsProblemEvent = UiEvent<'settings-problem'>;
export type TokenBranchEvent = UiEvent<'token-branch'>;
export type BranchSelectEvent = UiEvent<'branch-select'>;
export type MessageActionEvent = UiEvent<'message-action'>;
export type KernelProfileChangeEvent = UiEvent<'kernel-profile-change'>;
export type TokenSelectEvent = UiEvent<'token-select'>;
export type AttentionSelectEvent = UiEvent<'attention-select'>;
export type HostApprovalEvent = UiEvent<'host-approval'>;
export type HeadAblateEvent = UiEvent<'head-ablate'>;
export type AblationChangeEvent = UiEvent<'ablation-change'>;
export type RolesRequestEvent = UiEvent<'roles-request'>;

/** Fires `type` from `target` (bubbling, composed). */
export function emit<K extends UiEventName>(
  target: EventTarget,
  type: K,
  detail: UiEventDetails[K],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'model-load': ModelLoadEvent;
    'model-cancel': ModelCancelEvent;
    'prompt-input': PromptInputEvent;
    'generate-request': GenerateRequestEvent;
    'generation-stop': GenerationStopEvent;
    'output-clear': OutputClearEvent;
    'settings-change': SettingsChangeEvent;
    'settings-problem': SettingsProblemEvent;
    'token-branch': TokenBranchEvent;
    'branch-select': BranchSelectEvent;
    'message-action': MessageActionEvent;
    'kernel-profile-change': KernelProfileChangeEvent;
    'token-select': TokenSelectEvent;
    'attention-select': AttentionSelectEvent;
    'host-approval': HostApprovalEvent;
    'head-ablate': HeadAblateEvent;
    'ablation-change': AblationChangeEvent;
    'roles-request': RolesRequestEvent;
  }
}

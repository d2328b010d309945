/**
 * How the playground answers a model that failed to load: which failures are worth a Try
 * again button, and which mean the hub cannot be reached at all (then the bundled model is
 * loaded instead).
 */
import { DownloadError } from '../model/sources/index.ts';
import type { MessageAction } from './events.ts';
import type { ModelChoice } from './model-choices.ts';

/** No answer at all from the hub (offline, DNS, refused): the case for the bundled fallback. */
export function isUnreachable(e: unknown): boolean {
  return e instanceof DownloadError && e.problem === 'network';
}

/**
 * The buttons under a load error: Try again when it may pass, the bundled model (unless it is
 * the one still in use, `loaded`; null: none is), Dismiss.
 */
export function loadErrorActions(e: unknown, loaded: ModelChoice | null): MessageAction[] {
  const actions: MessageAction[] = [];
  const retryable =
    e instanceof DownloadError &&
    ['network', 'server', 'rate-limited', 'truncated', 'http'].includes(e.problem);
  if (retryable) actions.push('retry-load');
  if (loaded?.kind !== 'bundled') actions.push('load-bundled');
  actions.push('dismiss');
  return actions;
}

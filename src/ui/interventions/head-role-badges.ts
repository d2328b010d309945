/**
 * Head roles as the playground labels them: a head gets a badge for each role whose score
 * reaches ROLE_THRESHOLD (src/inspect/head-roles.ts states the scores and the threshold), and
 * its four scores on hover. Pure functions.
 */
import {
  ROLE_NAMES,
  ROLE_THRESHOLD,
  type HeadRoles,
  type RoleName,
} from '../../inspect/head-roles.ts';

export type { HeadRoles, RoleName };
export { ROLE_THRESHOLD };

export const ROLE_BADGES: Readonly<Record<RoleName, string>> = {
  previous: 'prev',
  first: '1st',
  self: 'self',
  induction: 'ind',
};

export const ROLE_LABELS: Readonly<Record<RoleName, string>> = {
  previous: 'previous-token',
  first: 'first-token',
  self: 'self',
  induction: 'induction',
};

/** The roles of (layer, head) that pass the threshold, strongest first. */
export function headRoleNames(roles: HeadRoles | null, layer: number, head: number): RoleName[] {
  if (!roles || !roles.previous[layer] || roles.previous[layer][head] === undefined) return [];
  return ROLE_NAMES.filter((n) => roles[n][layer][head] >= ROLE_THRESHOLD).sort(
    (a, b) => roles[b][layer][head] - roles[a][layer][head],
  );
}

/** "previous 0.92 · first 0.03 · self 0.01 · induction 0.00" ('' without roles). */
export function headRoleScores(roles: HeadRoles | null, layer: number, head: number): string {
  if (!roles || !roles.previous[layer] || roles.previous[layer][head] === undefined) return '';
  return ROLE_NAMES.map((n) => `${n} ${roles[n][layer][head].toFixed(2)}`).join(' · ');
}

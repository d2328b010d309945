/**
 * Why a run may not start although a model is ready: settings fields that cannot be used,
 * or a prompt that leaves no position for the token to generate. Said before anything runs,
 * so Generate is disabled with the reason instead of failing after the click.
 */

/**
 * '' when a run may start; else the reason, as the Generate hint shows it. `settingsProblem`
 * is what the sampling form reports ('' when valid); `nPositions` the model's context window
 * (null: no model yet).
 */
export function runBlocker(
  settingsProblem: string,
  promptTokens: number,
  nPositions: number | null,
): string {
  if (settingsProblem) return settingsProblem;
  if (nPositions !== null && promptTokens >= nPositions) {
    return (
      `The prompt has ${promptTokens} tokens; this model reads at most ${nPositions}, including ` +
      `the one to generate: shorten it by ${promptTokens - nPositions + 1}.`
    );
  }
  return '';
}

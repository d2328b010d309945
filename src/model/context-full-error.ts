/** Prompt plus generated tokens would pass the model's context window (n_positions). */
export class ContextFullError extends Error {
  override name = 'ContextFullError';
  constructor(
    readonly contextLength: number,
    readonly requested: number,
  ) {
    super(
      `The context is full: this model reads at most ${contextLength} tokens and ${requested} were ` +
        'asked for. Shorten the prompt or clear some text to continue.',
    );
  }
}

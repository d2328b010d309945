/** Errors of reading a checkpoint. Each message says what was wrong and what to do. */

/** config.json is not a GPT-2 config this engine can run. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** model.safetensors is damaged, not a safetensors file, or does not match the config. */
export class WeightsFormatError extends Error {
  override name = 'WeightsFormatError';
}

/** The checkpoint is valid but a tensor does not fit in one buffer on this GPU. */
export class ModelTooLargeError extends Error {
  override name = 'ModelTooLargeError';
}

/**
 * A forward pass produced NaN or infinite values although every weight is finite: an
 * activation overflowed. `row` is where the residual stream first went bad (0: the
 * embeddings, l: after block l - 1; null: only in ln_f or the LM head).
 */
export class NonFiniteOutputError extends Error {
  override name = 'NonFiniteOutputError';

  constructor(
    readonly position: number,
    readonly row: number | null,
  ) {
    const where =
      row === null
        ? 'in the final layer norm or the LM head (the output of every block was finite)'
        : row === 0
          ? 'in the embeddings (wte + wpe)'
          : `in block ${row - 1} (h.${row - 1}), the first block whose output is not finite`;
    super(
      `The model produced non-finite values (NaN or Infinity) at position ${position}, first ` +
        `${where}. Its weights are finite, so an activation overflowed: the checkpoint is ` +
        'damaged or was not trained as a GPT-2 of this shape. Use another checkpoint.',
    );
  }
}

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

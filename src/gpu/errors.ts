/** Errors of the GPU layer. Each message says what happened and what to do about it. */

export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(
      `The GPU device was lost (${reason}${detail ? `: ${detail}` : ''}). ` +
        'Reload the model to get a new device; if it keeps happening, close other GPU-heavy tabs or update the GPU driver.',
    );
  }
}

export class GpuValidationError extends Error {
  override name = 'GpuValidationError';
}

export class GpuOutOfMemoryError extends Error {
  override name = 'GpuOutOfMemoryError';
}

/** The GPU implementation failed on its own (not the app's call): a driver or browser bug. */
export class GpuInternalError extends Error {
  override name = 'GpuInternalError';
}

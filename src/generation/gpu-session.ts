/**
 * The one way the app opens a GPU: a session opens a device once (callers asking meanwhile
 * share the request), says what it has as plain data (`status`), and routes every problem
 * that arrives after opening (the device lost, a WebGPU error nobody captured) to one typed
 * callback, each as an error class of src/gpu/errors.ts whose message says what to do. The
 * playground, the benchmark page and the self-test each hold one; after a lost device the
 * next `open()` opens a new one.
 */
import {
  DeviceLostError,
  GpuInternalError,
  GpuOutOfMemoryError,
  GpuValidationError,
  WebGpuUnavailableError,
} from '../gpu/errors.ts';
import type { GpuContext } from '../gpu/gpu-context.ts';
import { requestGpuContext } from '../gpu/request-device.ts';
import { describeError } from '../util/format.ts';

export type GpuStatus =
  | { state: 'pending' }
  | {
      state: 'ready';
      adapterName: string;
      shaderF16: boolean;
      timestampQuery: boolean;
      maxBufferSize: number;
    }
  | { state: 'unavailable'; message: string }
  | { state: 'lost'; message: string };

/** What can go wrong once the device is open. */
export type GpuProblem =
  DeviceLostError | GpuValidationError | GpuOutOfMemoryError | GpuInternalError;

export interface GpuSessionOptions {
  /** Opens a device (default: the browser's navigator.gpu; Node passes Dawn's). */
  request?: () => Promise<GpuContext>;
  /** Told of every problem of the open device, in the order they arrive. */
  onProblem?: (problem: GpuProblem) => void;
  /** Told whenever `status` changes. */
  onStatus?: (status: GpuStatus) => void;
}

export class GpuSession {
  status: GpuStatus = { state: 'pending' };
  private current: GpuContext | null = null;
  private opening: Promise<GpuContext | null> | null = null;
  private detach: (() => void) | null = null;
  private readonly request: () => Promise<GpuContext>;

  constructor(private readonly options: GpuSessionOptions = {}) {
    this.request = options.request ?? (() => requestGpuContext(globalThis.navigator?.gpu));
  }

  /** The open device's context (null before opening, after a loss and after close). */
  get context(): GpuContext | null {
    return this.current;
  }

  /**
   * The open context, opening one if there is none. Null when WebGPU cannot be used here:
   * `status` then says why (`unavailable`).
   */
  open(): Promise<GpuContext | null> {
    if (this.current) return Promise.resolve(this.current);
    this.opening ??= this.openDevice().finally(() => (this.opening = null));
    return this.opening;
  }

  /** Resolves when the GPU has done the work queued so far, so its errors have been told. */
  async settle(): Promise<void> {
    await this.current?.device.queue.onSubmittedWorkDone();
  }

  /** Frees every buffer and the device. A later `open()` opens a new one. */
  close(): void {
    const gpu = this.current;
    this.forget();
    gpu?.destroy();
  }

  private async openDevice(): Promise<GpuContext | null> {
    let gpu: GpuContext;
    try {
      gpu = await this.request();
    } catch (e) {
      const message =
        e instanceof WebGpuUnavailableError
          ? e.message
          : `WebGPU failed to start: ${describeError(e)}`;
      this.setStatus({ state: 'unavailable', message });
      return null;
    }
    this.current = gpu;
    const stopLost = gpu.onLost((e) => {
      if (this.current !== gpu) return;
      this.forget();
      this.setStatus({ state: 'lost', message: e.message });
      this.options.onProblem?.(e);
    });
    const onError = (event: Event) => {
      if (this.current === gpu)
        this.options.onProblem?.(asProblem(event as GPUUncapturedErrorEvent));
    };
    gpu.device.addEventListener('uncapturederror', onError);
    this.detach = () => {
      stopLost();
      gpu.device.removeEventListener('uncapturederror', onError);
    };
    const c = gpu.capabilities;
    this.setStatus({
      state: 'ready',
      adapterName: c.adapterName,
      shaderF16: c.shaderF16,
      timestampQuery: c.timestampQuery,
      maxBufferSize: c.maxBufferSize,
    });
    return gpu;
  }

  private forget(): void {
    this.detach?.();
    this.detach = null;
    this.current = null;
  }

  private setStatus(status: GpuStatus): void {
    this.status = status;
    this.options.onStatus?.(status);
  }
}

/** A device-lost error (work in flight then fails with it; the session has already told). */
export function isDeviceLost(e: unknown): boolean {
  return e instanceof DeviceLostError;
}

function asProblem(event: GPUUncapturedErrorEvent): GpuProblem {
  const error = event.error;
  const message = error.message.trim();
  if (typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError) {
    return new GpuOutOfMemoryError(
      `The GPU ran out of memory (${message}). Load a smaller model or f16 weights, or close ` +
        'other GPU-heavy tabs.',
    );
  }
  if (typeof GPUInternalError !== 'undefined' && error instanceof GPUInternalError) {
    return new GpuInternalError(
      `The GPU failed internally (${message}). Reload the page; if it keeps happening, update ` +
        'the GPU driver or try another browser.',
    );
  }
  return new GpuValidationError(
    `WebGPU rejected a call (${message}). This is a bug in the app: please report it with ` +
      'this message.',
  );
}

/** Small helpers shared by the sources: abortable streams and waits. */

/** The error an aborted operation rejects with: the signal's reason (an AbortError by default). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Waits `ms`, rejecting early with the abort reason when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Passes `source` through, erroring with the abort reason as soon as `signal` fires (even
 * while the consumer is not reading) and cancelling the source so it lets go of its file or
 * connection.
 */
export function abortableStream(
  source: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  if (!signal) return source;
  const reader = source.getReader();
  let onAbort: (() => void) | undefined;
  const detach = () => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      onAbort = () => {
        controller.error(abortReason(signal));
        reader.cancel(abortReason(signal)).catch(() => undefined);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        detach();
        throw signal.aborted ? abortReason(signal) : e;
      }
      if (signal.aborted) return; // already errored by onAbort
      if (r.done) {
        detach();
        controller.close();
      } else controller.enqueue(r.value);
    },
    cancel(reason) {
      detach();
      return reader.cancel(reason);
    },
  });
}

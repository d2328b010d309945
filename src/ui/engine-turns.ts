/**
 * Turns on the engine: the GPU model does one thing at a time (a run, an attention map, the
 * logit lens, a load replacing it), so each waits for the one before it to let go. A turn
 * never fails the next one: `release` is called whatever happened.
 */
export class EngineTurns {
  /** Settles when the latest turn has let go of the engine. */
  private last: Promise<void> = Promise.resolve();

  /** Waits for the turns before this one; call `release` when done with the engine. */
  async take(): Promise<() => void> {
    const previous = this.last;
    let release!: () => void;
    this.last = new Promise((r) => (release = r));
    await previous;
    return release;
  }

  /** Resolves when every turn taken so far is done. */
  idle(): Promise<void> {
    return this.last;
  }
}

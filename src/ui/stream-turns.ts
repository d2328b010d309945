/**
 * What the views that follow a run live (the step under the microscope, the temperature
 * chart, the live figures) are shown while tokens stream.
 *
 * Refreshed together with the output in every frame, they built or rebuilt their DOM in the
 * same task as the new chips, and the layout of all of it at once made the frames after
 * Generate 50-90 ms long on a slow machine. So while tokens stream they take turns: after a
 * view is refreshed, the next one waits until a frame has laid that out, so a frame lays out
 * the new chips and at most one view. The run's start (buttons, notes, the output cleared)
 * counts as a refresh: the first frame of a run lays out that and the first chips only.
 * While a view shows an older state than the run's, the turns go on, so a slow stream shows
 * each token everywhere within a few frames. When the stream ends they all show the run.
 */
export class StreamTurns<T> {
  /** What each view shows while tokens stream; null while nothing streams. */
  private shown: T[] | null = null;
  private turn = 0;
  /** A refresh waits for a frame to lay out the last one. */
  private waiting = false;
  /** Counts the waits: a frame waited for by an earlier run does not end this run's wait. */
  private waits = 0;
  private latest: T | null = null;

  /**
   * @param views how many views take turns (indices 0..views-1)
   * @param redraw asks the owner to render again: the next view may have its turn
   * @param afterNextFrame runs a callback once the next frame has been rendered
   */
  constructor(
    private readonly views: number,
    private readonly redraw: () => void,
    private readonly afterNextFrame: (callback: () => void) => void = afterFrame,
  ) {}

  /**
   * Called once per render with the run now (the same value while it has not changed).
   * Returns what each view, by index, shows in this render.
   */
  take(streaming: boolean, now: T): (view: number) => T {
    this.latest = now;
    if (!streaming) {
      this.shown = null;
      return () => now;
    }
    if (!this.shown) {
      this.shown = Array.from({ length: this.views }, () => now);
      this.turn = 0;
      this.waitForFrame();
    } else if (!this.waiting) {
      // The next view in turn that shows an older state (a current one passes its turn).
      const stale = this.staleFrom(this.turn);
      if (stale !== null) {
        this.shown[stale] = now;
        this.turn = (stale + 1) % this.views;
        this.waitForFrame();
      }
    }
    const shown = this.shown;
    return (view) => shown[view] as T;
  }

  /** The first view, from `from` on in turn order, that shows an older state. */
  private staleFrom(from: number): number | null {
    for (let k = 0; k < this.views; k++) {
      const v = (from + k) % this.views;
      if (this.shown?.[v] !== this.latest) return v;
    }
    return null;
  }

  private waitForFrame(): void {
    this.waiting = true;
    const wait = ++this.waits;
    this.afterNextFrame(() => {
      if (wait !== this.waits) return;
      this.waiting = false;
      if (this.shown && this.staleFrom(this.turn) !== null) this.redraw();
    });
  }
}

/** After the next frame's rendering: a task queued from its animation-frame callback. */
function afterFrame(callback: () => void): void {
  requestAnimationFrame(() => setTimeout(callback, 0));
}

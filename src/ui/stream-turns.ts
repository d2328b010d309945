/**
 * What the views that follow a run live (the step under the microscope, the temperature
 * chart, the live figures) are shown while tokens stream.
 *
 * Refreshed together with the output in every frame, they built or rebuilt their DOM in the
 * same task as the new chips, and the layout of all of it at once made the frames after
 * Generate 50-90 ms long on a slow machine. So while tokens stream they take turns: each
 * frame refreshes the output and at most one of them, in order, and as long as one shows an
 * older state than the run's, another frame is asked for, so a slow stream still shows each
 * token everywhere within a few frames. When the stream ends they all show the run at once.
 */
export class StreamTurns<T> {
  /** What each view shows while tokens stream; null while nothing streams. */
  private shown: T[] | null = null;
  private turn = 0;

  /**
   * @param views how many views take turns (indices 0..views-1)
   * @param nextFrame asks the owner to render again in the next frame
   */
  constructor(
    private readonly views: number,
    private readonly nextFrame: () => void,
  ) {}

  /**
   * Called once per render with the run now (the same value while it has not changed).
   * Returns what each view, by index, shows in this render.
   */
  take(streaming: boolean, now: T): (view: number) => T {
    if (!streaming) {
      this.shown = null;
      return () => now;
    }
    if (!this.shown) {
      // The run's first render: the page changes around the views (buttons, the output
      // cleared); the views show the run as it starts, and take turns from the next frame.
      this.shown = Array.from({ length: this.views }, () => now);
      this.turn = 0;
    } else {
      this.shown[this.turn] = now;
      this.turn = (this.turn + 1) % this.views;
    }
    if (this.shown.some((s) => s !== now)) this.nextFrame();
    const shown = this.shown;
    return (view) => shown[view] as T;
  }
}

/**
 * What the analysis views (attention maps, attention on the text, interventions,
 * attribution) are told about the run while tokens stream, and just after.
 *
 * They compute nothing until a run ends, yet every new token would re-render them once per
 * frame, and each re-render cost a layout of the whole page, which grows with the output: at
 * 1,024 tokens that froze the page for 50-100 ms a frame. So while tokens stream they see the
 * run as it was when streaming began (the first render of a run passes through, clearing the
 * old run's results), told that tokens stream.
 *
 * When the run ends, each view catching up on 1,024 tokens costs tens of milliseconds; all
 * at once that was one 100-200 ms freeze just as the text finished. So they are let go one
 * per task, in page order, each in its own update: the page answers input in between.
 */
export interface HeldRun<T> {
  /** The run as this view should show it. */
  readonly run: T;
  /** True while the view waits: tokens stream, or it has not been let go since they stopped. */
  readonly streaming: boolean;
}

export class StreamHold<T> {
  private held: T | null = null;
  private holding = false;
  private released: number;
  private releaseTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param views how many views take their run from this hold (indices 0..views-1)
   * @param redraw asks the owner to render again: another view was let go
   */
  constructor(
    private readonly views: number,
    private readonly redraw: () => void,
  ) {
    this.released = views;
  }

  /**
   * Called once per render, before the views are read: `current()` is the run now. Returns
   * a function giving each view (by index, in page order) its run and whether it waits.
   */
  take(streaming: boolean, current: () => T): (view: number) => HeldRun<T> {
    if (streaming) {
      if (!this.holding) {
        this.held = current();
        this.holding = true;
      }
      this.stopReleasing();
      this.released = 0;
      const held = this.held as T;
      return () => ({ run: held, streaming: true });
    }
    if (this.holding) {
      // The run just ended: let the views go one per task from now on.
      this.holding = false;
      this.released = 0;
      this.releaseNext();
    }
    const now = current();
    if (this.released >= this.views) return () => ({ run: now, streaming: false });
    const held = this.held as T;
    const released = this.released;
    // Views 0..released-1 were let go: they show the run as it ended.
    return (view) =>
      view < released ? { run: now, streaming: false } : { run: held, streaming: true };
  }

  /** Stops letting views go (the owner is gone). */
  dispose(): void {
    this.stopReleasing();
  }

  private releaseNext(): void {
    // A task, not a microtask or a frame: the page paints and answers input in between.
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = null;
      this.released++;
      if (this.released < this.views) this.releaseNext();
      else this.held = null;
      this.redraw();
    }, 0);
  }

  private stopReleasing(): void {
    if (this.releaseTimer !== null) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
  }
}

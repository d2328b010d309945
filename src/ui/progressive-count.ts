/**
 * How many items of a long list to render now. A view showing a whole 1,024-token context
 * as buttons spends 30-75 ms building them in one task, a freeze the user feels; rendered
 * `chunk` more per task, each task stays short and the page answers input in between.
 * A new list (another key) starts again from one chunk; a list that grows keeps what it
 * has and adds to it.
 */
export class ProgressiveCount {
  private key: unknown = undefined;
  private count = 0;
  private total = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param chunk items added per task
   * @param redraw asks the owner to render again with the larger count
   */
  constructor(
    private readonly chunk: number,
    private readonly redraw: () => void,
  ) {}

  /** The number of items to render now, of `total`, for the list named by `key`. */
  shown(key: unknown, total: number): number {
    if (key !== this.key) {
      this.key = key;
      this.count = 0;
    }
    this.total = total;
    if (this.count === 0) this.count = Math.min(total, this.chunk);
    this.count = Math.min(this.count, total);
    if (this.count < total) this.schedule();
    return this.count;
  }

  /** Stops adding (the owner is gone). */
  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.count = Math.min(this.total, this.count + this.chunk);
      this.redraw();
    }, 0);
  }
}

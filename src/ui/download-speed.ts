/**
 * A download's speed for people: bytes per second over the last few seconds (so it follows a
 * connection that speeds up or slows down), restarted for each file, and not guessed before
 * a quarter of a second of samples is in.
 */
const WINDOW_MS = 3000;
const MIN_SPAN_MS = 250;

export class DownloadSpeed {
  private samples: { t: number; loaded: number }[] = [];
  private file = '';
  private last: number | null = null;

  reset(): void {
    this.samples = [];
    this.file = '';
    this.last = null;
  }

  /** `loaded` bytes of `file` read at time `now` (ms): the speed, or null until measurable. */
  sample(file: string, loaded: number, now: number): number | null {
    if (file !== this.file) {
      this.samples = [];
      this.file = file;
    }
    this.samples.push({ t: now, loaded });
    while (this.samples.length > 2 && now - this.samples[0].t > WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const dt = now - first.t;
    if (dt > MIN_SPAN_MS) this.last = ((loaded - first.loaded) * 1000) / dt;
    return this.last;
  }
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressiveCount } from '../../src/ui/progressive-count.ts';
import { StreamHold } from '../../src/ui/stream-hold.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('StreamHold', () => {
  it('passes the run through while nothing streams, before any run', () => {
    const hold = new StreamHold<number>(3, () => {});
    const views = hold.take(false, () => 7);
    expect([0, 1, 2].map(views)).toEqual([0, 1, 2].map(() => ({ run: 7, streaming: false })));
  });

  it('shows every view the run as streaming began, told that tokens stream', () => {
    const hold = new StreamHold<number>(2, () => {});
    hold.take(false, () => 1);
    expect(hold.take(true, () => 2)(1)).toEqual({ run: 2, streaming: true });
    // Later tokens: the same run, current() not even asked for.
    const current = vi.fn(() => 3);
    const views = hold.take(true, current);
    expect([views(0), views(1)]).toEqual([
      { run: 2, streaming: true },
      { run: 2, streaming: true },
    ]);
    expect(current).not.toHaveBeenCalled();
  });

  it('lets the views go one per task after the run, in order, each redrawn', () => {
    const redraw = vi.fn();
    const hold = new StreamHold<string>(3, redraw);
    hold.take(true, () => 'start');
    let views = hold.take(false, () => 'end');
    expect([0, 1, 2].map((v) => views(v).streaming)).toEqual([true, true, true]);
    expect(views(0).run).toBe('start');
    for (let released = 1; released <= 3; released++) {
      vi.advanceTimersToNextTimer();
      expect(redraw).toHaveBeenCalledTimes(released);
      views = hold.take(false, () => 'end');
      expect([0, 1, 2].map((v) => views(v))).toEqual(
        [0, 1, 2].map((v) =>
          v < released ? { run: 'end', streaming: false } : { run: 'start', streaming: true },
        ),
      );
    }
    // All let go: no more tasks.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a new run before all were let go holds them all again', () => {
    const redraw = vi.fn();
    const hold = new StreamHold<string>(3, redraw);
    hold.take(true, () => 'a');
    hold.take(false, () => 'a-end');
    vi.advanceTimersToNextTimer();
    const views = hold.take(true, () => 'b');
    expect([0, 1, 2].map((v) => views(v))).toEqual(
      [0, 1, 2].map(() => ({ run: 'b', streaming: true })),
    );
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
    expect(redraw).toHaveBeenCalledTimes(1);
  });

  it('stops letting go when disposed', () => {
    const redraw = vi.fn();
    const hold = new StreamHold<number>(2, redraw);
    hold.take(true, () => 1);
    hold.take(false, () => 2);
    hold.dispose();
    vi.runAllTimers();
    expect(redraw).not.toHaveBeenCalled();
  });
});

describe('ProgressiveCount', () => {
  it('a short list is shown whole at once', () => {
    const redraw = vi.fn();
    const count = new ProgressiveCount(256, redraw);
    expect(count.shown('a', 100)).toBe(100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a long list grows a chunk per task until whole, 1,026 in five', () => {
    const redraw = vi.fn();
    const count = new ProgressiveCount(256, redraw);
    const list = {};
    const seen = [count.shown(list, 1026)];
    while (vi.getTimerCount()) {
      vi.advanceTimersToNextTimer();
      seen.push(count.shown(list, 1026));
    }
    expect(seen).toEqual([256, 512, 768, 1024, 1026]);
    expect(redraw).toHaveBeenCalledTimes(4);
  });

  it('a new list starts again from one chunk; a shorter one is cut', () => {
    const count = new ProgressiveCount(10, () => {});
    // The owner renders again on each redraw, asking anew.
    while (count.shown('a', 30) < 30) vi.advanceTimersToNextTimer();
    expect(count.shown('a', 30)).toBe(30);
    expect(count.shown('a', 25)).toBe(25);
    expect(count.shown('b', 30)).toBe(10);
    expect(count.shown('b', 0)).toBe(0);
  });

  it('stops growing when disposed', () => {
    const redraw = vi.fn();
    const count = new ProgressiveCount(10, redraw);
    count.shown('a', 30);
    count.dispose();
    vi.runAllTimers();
    expect(redraw).not.toHaveBeenCalled();
  });
});

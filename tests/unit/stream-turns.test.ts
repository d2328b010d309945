import { describe, expect, it, vi } from 'vitest';
import { StreamTurns } from '../../src/ui/stream-turns.ts';

const all = (views: (v: number) => string, n = 3) => Array.from({ length: n }, (_, v) => views(v));

describe('StreamTurns', () => {
  it('shows every view the run now while nothing streams, asking for no frame', () => {
    const nextFrame = vi.fn();
    const turns = new StreamTurns<string>(3, nextFrame);
    expect(all(turns.take(false, 'a'))).toEqual(['a', 'a', 'a']);
    expect(all(turns.take(false, 'b'))).toEqual(['b', 'b', 'b']);
    expect(nextFrame).not.toHaveBeenCalled();
  });

  it('while tokens stream, refreshes one view per render, in order, and asks for frames until all are current', () => {
    const nextFrame = vi.fn();
    const turns = new StreamTurns<string>(3, nextFrame);
    turns.take(false, 'before');
    // The run's first render: all show the run as it starts, no view refreshed later.
    expect(all(turns.take(true, 's0'))).toEqual(['s0', 's0', 's0']);
    expect(nextFrame).toHaveBeenCalledTimes(0);
    // Tokens came: one view per render.
    expect(all(turns.take(true, 's1'))).toEqual(['s1', 's0', 's0']);
    expect(nextFrame).toHaveBeenCalledTimes(1);
    expect(all(turns.take(true, 's2'))).toEqual(['s1', 's2', 's0']);
    expect(all(turns.take(true, 's2'))).toEqual(['s1', 's2', 's2']);
    expect(nextFrame).toHaveBeenCalledTimes(3);
    // The turn comes round to view 0, which is then current like the others: no more frames.
    expect(all(turns.take(true, 's2'))).toEqual(['s2', 's2', 's2']);
    expect(nextFrame).toHaveBeenCalledTimes(3);
    expect(all(turns.take(true, 's2'))).toEqual(['s2', 's2', 's2']);
    expect(nextFrame).toHaveBeenCalledTimes(3);
  });

  it('a slow stream shows each token in every view within as many renders as there are views', () => {
    const turns = new StreamTurns<number>(3, () => {});
    turns.take(true, 0);
    for (let token = 1; token <= 10; token++) {
      let views = turns.take(true, token);
      for (let extra = 1; extra < 3; extra++) views = turns.take(true, token);
      expect(Array.from({ length: 3 }, (_, v) => views(v))).toEqual([token, token, token]);
    }
  });

  it('shows every view the final run as soon as the stream ends, and starts over with the next', () => {
    const turns = new StreamTurns<string>(2, () => {});
    turns.take(true, 'a0');
    turns.take(true, 'a1');
    expect(all(turns.take(false, 'end'), 2)).toEqual(['end', 'end']);
    expect(all(turns.take(true, 'b0'), 2)).toEqual(['b0', 'b0']);
    expect(all(turns.take(true, 'b1'), 2)).toEqual(['b1', 'b0']);
  });
});

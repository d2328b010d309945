import { describe, expect, it, vi } from 'vitest';
import { StreamTurns } from '../../src/ui/stream-turns.ts';

/** A StreamTurns whose frames are run by hand: frame() renders every frame waited for. */
function turnsOf(views: number) {
  const waiting: (() => void)[] = [];
  const redraw = vi.fn();
  const turns = new StreamTurns<string>(views, redraw, (callback) => waiting.push(callback));
  const frame = () => waiting.splice(0).forEach((callback) => callback());
  const show = (streaming: boolean, now: string) => {
    const views_ = turns.take(streaming, now);
    return Array.from({ length: views }, (_, v) => views_(v));
  };
  return { show, frame, redraw, waiting };
}

describe('StreamTurns', () => {
  it('shows every view the run now while nothing streams, waiting for no frame', () => {
    const { show, redraw, waiting } = turnsOf(3);
    expect(show(false, 'a')).toEqual(['a', 'a', 'a']);
    expect(show(false, 'b')).toEqual(['b', 'b', 'b']);
    expect(waiting).toHaveLength(0);
    expect(redraw).not.toHaveBeenCalled();
  });

  it('refreshes at most one view per frame, in order; the run’s start has the first frame to itself', () => {
    const { show, frame, redraw } = turnsOf(3);
    show(false, 'before');
    // The run's first render: all show the run as it starts.
    expect(show(true, 's0')).toEqual(['s0', 's0', 's0']);
    // Tokens in the same frame: no view refreshed until a frame has laid out the start.
    expect(show(true, 's1')).toEqual(['s0', 's0', 's0']);
    frame();
    expect(redraw).toHaveBeenCalledTimes(1);
    // Then one view per frame, however often the owner renders in between.
    expect(show(true, 's1')).toEqual(['s1', 's0', 's0']);
    expect(show(true, 's2')).toEqual(['s1', 's0', 's0']);
    frame();
    expect(show(true, 's2')).toEqual(['s1', 's2', 's0']);
    frame();
    expect(show(true, 's2')).toEqual(['s1', 's2', 's2']);
    frame();
    // View 0 is the one behind now: its turn comes round.
    expect(show(true, 's2')).toEqual(['s2', 's2', 's2']);
    frame();
    // All current: no more redraws asked for, and a render changes nothing.
    const asked = redraw.mock.calls.length;
    frame();
    expect(show(true, 's2')).toEqual(['s2', 's2', 's2']);
    expect(redraw).toHaveBeenCalledTimes(asked);
  });

  it('a view already current passes its turn to the next that is not', () => {
    const { show, frame } = turnsOf(3);
    show(true, 'a');
    frame();
    expect(show(true, 'b')).toEqual(['b', 'a', 'a']);
    frame();
    expect(show(true, 'b')).toEqual(['b', 'b', 'a']);
    frame();
    expect(show(true, 'c')).toEqual(['b', 'b', 'c']);
    frame();
    // Turn 0 next: 'b' is behind 'c'.
    expect(show(true, 'c')).toEqual(['c', 'b', 'c']);
    frame();
    expect(show(true, 'c')).toEqual(['c', 'c', 'c']);
  });

  it('a slow stream shows each token in every view within as many frames as there are views', () => {
    const { show, frame, redraw } = turnsOf(3);
    let now = 't0';
    const render = () => show(true, now);
    // The owner renders when asked to.
    const nextFrame = () => {
      redraw.mockClear();
      frame();
      if (redraw.mock.calls.length) render();
    };
    render();
    for (let token = 1; token <= 6; token++) {
      nextFrame();
      now = `t${token}`;
      render();
      for (let f = 0; f < 3; f++) nextFrame();
      expect(render()).toEqual([now, now, now]);
    }
  });

  it('shows every view the final run as soon as the stream ends; a frame waited for before then changes nothing', () => {
    const { show, frame, redraw } = turnsOf(2);
    show(true, 'a0');
    expect(show(false, 'end')).toEqual(['end', 'end']);
    // A new run before the old run's frame came: that frame does not end the new run's wait.
    expect(show(true, 'b0')).toEqual(['b0', 'b0']);
    frame();
    expect(redraw).not.toHaveBeenCalled();
    expect(show(true, 'b1')).toEqual(['b1', 'b0']);
  });
});

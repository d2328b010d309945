import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { FrameUpdates } from '../../src/ui/frame-updates.ts';

/** A host that records what happened, in order. */
function recordingHost(log: string[]): ReactiveControllerHost {
  return {
    addController: (_: ReactiveController) => {},
    removeController: (_: ReactiveController) => {},
    requestUpdate: () => log.push('render'),
    updateComplete: Promise.resolve(true),
  };
}

let frames: (() => void)[] = [];
beforeEach(() => {
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
  vi.stubGlobal('cancelAnimationFrame', (id: number) => {
    frames[id - 1] = () => {};
  });
});
afterEach(() => vi.unstubAllGlobals());

function runFrames(): void {
  const now = frames;
  frames = [];
  now.forEach((f) => f());
}

describe('FrameUpdates', () => {
  it('renders once a frame however often it is asked, after what arrived is made visible', () => {
    const log: string[] = [];
    const updates = new FrameUpdates(recordingHost(log), () => log.push('flush'));
    for (let i = 0; i < 1000; i++) updates.request();
    expect(log).toEqual([]);
    runFrames();
    expect(log).toEqual(['flush', 'render']);
    updates.request();
    runFrames();
    expect(log).toEqual(['flush', 'render', 'flush', 'render']);
  });

  it('a cancelled frame renders nothing', () => {
    const log: string[] = [];
    const updates = new FrameUpdates(recordingHost(log), () => log.push('flush'));
    updates.request();
    updates.cancel();
    runFrames();
    expect(log).toEqual([]);
    updates.request();
    runFrames();
    expect(log).toEqual(['flush', 'render']);
  });
});

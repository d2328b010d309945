import { describe, expect, it } from 'vitest';
import {
  MIN_VISIBLE,
  fitWindow,
  hitTest,
  keyAction,
  niceStep,
  panWindow,
  windowShowing,
  zoomWindow,
  type PlotLayout,
} from '../../src/ui/inspector/heatmap-view.ts';

describe('heatmap view maths', () => {
  it('zooms around an anchor, keeping it at the same fraction, within 8 .. n positions', () => {
    const n = 100;
    const w = zoomWindow(fitWindow(n), n, 0.5, { row: 80, col: 20 });
    expect(w).toEqual({ count: 50, r0: 40, c0: 10 });
    // The anchor stays at the same place: (80 - 0) / 100 == (80 - 40) / 50.
    expect((80 - w.r0) / w.count).toBeCloseTo(0.8);
    expect(zoomWindow({ r0: 0, c0: 0, count: 9 }, n, 0.5).count).toBe(MIN_VISIBLE);
    expect(zoomWindow({ r0: 90, c0: 90, count: 10 }, n, 8)).toEqual({ count: 80, r0: 20, c0: 20 });
    expect(zoomWindow({ r0: 90, c0: 90, count: 10 }, n, 16)).toEqual(fitWindow(n));
    // Already as small as a 5-token map allows: the same window object.
    const small = fitWindow(5);
    expect(zoomWindow(small, 5, 0.5)).toBe(small);
  });

  it('clamps pans and brings a cell into view with the least move', () => {
    const n = 30;
    const w = { r0: 10, c0: 10, count: 8 };
    expect(panWindow(w, n, -50, 50)).toEqual({ r0: 0, c0: 22, count: 8 });
    expect(windowShowing(w, n, { row: 25, col: 3 })).toEqual({ r0: 18, c0: 3, count: 8 });
    expect(windowShowing(w, n, { row: 12, col: 17 })).toEqual(w);
  });

  it('tells a cell from a row label and a column label, and nothing past the map', () => {
    const L: PlotLayout = { width: 140, height: 140, left: 30, top: 30, plot: 100, cell: 10 };
    const w = { r0: 5, c0: 2, count: 10 };
    expect(hitTest(L, w, 40, 30 + 35, 30 + 72)).toEqual({ kind: 'cell', row: 12, col: 5 });
    expect(hitTest(L, w, 40, 10, 30 + 5)).toEqual({ kind: 'row', row: 5, col: 5 });
    expect(hitTest(L, w, 40, 30 + 95, 10)).toEqual({ kind: 'col', row: 11, col: 11 });
    expect(hitTest(L, w, 40, 10, 10)).toBeNull();
    // A 9-token map in a 10-cell window: the last row and column are outside the map.
    expect(hitTest(L, { r0: 0, c0: 0, count: 10 }, 9, 30 + 95, 30 + 5)).toBeNull();
    expect(hitTest(L, w, 0, 50, 50)).toBeNull();
  });

  it('maps keys to cursor moves, selection, zoom and fit', () => {
    const n = 20;
    expect(keyAction('ArrowUp', { row: 0, col: 0 }, n, 10, false)).toEqual({
      kind: 'move',
      cursor: { row: 0, col: 0 },
    });
    expect(keyAction('PageDown', { row: 5, col: 2 }, n, 10, false)).toEqual({
      kind: 'move',
      cursor: { row: 14, col: 2 },
    });
    expect(keyAction('End', { row: 7, col: 1 }, n, 10, false)).toEqual({
      kind: 'move',
      cursor: { row: 7, col: 7 },
    });
    // Without a cursor the keys start from the last row, first column.
    expect(keyAction('Enter', null, n, 10, false)).toEqual({ kind: 'select', row: 19 });
    expect(keyAction('Escape', null, n, 10, false)).toBeNull();
    expect(keyAction('Escape', null, n, 10, true)).toEqual({ kind: 'clear' });
    expect(keyAction('+', { row: 3, col: 1 }, n, 10, false)).toEqual({
      kind: 'zoom',
      factor: 0.5,
      anchor: { row: 3, col: 1 },
    });
    expect(keyAction('0', null, n, 10, false)).toEqual({ kind: 'fit' });
    expect(keyAction('x', null, n, 10, false)).toBeNull();
    expect(keyAction('ArrowUp', null, 0, 0, false)).toBeNull();
  });

  it('picks round tick steps', () => {
    expect([1, 2, 3, 6, 11, 49, 51].map(niceStep)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });
});

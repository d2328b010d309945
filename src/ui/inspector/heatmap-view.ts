/**
 * The heatmap's view maths, apart from any DOM so Node tests can check it: which square
 * window of an n x n map is shown (zoom, pan, keep a cell in view), where a point falls
 * (a cell, a row label, a column label), and what a key does.
 */

/** A cell of the map: row = the query token, col = the key token. */
export interface Cell {
  row: number;
  col: number;
}

/** The square window shown: rows r0 .. r0 + count - 1, columns c0 .. c0 + count - 1. */
export interface HeatmapWindow {
  r0: number;
  c0: number;
  count: number;
}

/** Where the plot sits on the canvas, in CSS pixels. */
export interface PlotLayout {
  /** Canvas size. */
  width: number;
  height: number;
  /** Plot origin and side. */
  left: number;
  top: number;
  plot: number;
  /** CSS pixels per cell. */
  cell: number;
}

/** Fewest positions a zoomed view shows. */
export const MIN_VISIBLE = 8;

/** The whole map. */
export function fitWindow(n: number): HeatmapWindow {
  return { r0: 0, c0: 0, count: n };
}

/** A window start kept inside the map. */
export function clampStart(n: number, count: number, x: number): number {
  return Math.max(0, Math.min(n - count, x));
}

/**
 * The window with `factor` times the positions (< 1 zooms in), at least MIN_VISIBLE (or n),
 * at most n, with `anchor` kept at the same fraction of the window. The same window when the
 * count would not change.
 */
export function zoomWindow(
  w: HeatmapWindow,
  n: number,
  factor: number,
  anchor?: Cell,
): HeatmapWindow {
  const minCount = Math.min(n, MIN_VISIBLE);
  const count = Math.max(minCount, Math.min(n, Math.round(w.count * factor)));
  if (count === w.count) return w;
  const a = anchor ?? { row: w.r0 + w.count / 2, col: w.c0 + w.count / 2 };
  const fr = (a.row - w.r0) / w.count;
  const fc = (a.col - w.c0) / w.count;
  return {
    count,
    r0: clampStart(n, count, Math.round(a.row - fr * count)),
    c0: clampStart(n, count, Math.round(a.col - fc * count)),
  };
}

/** The window moved as little as needed for `c` to be inside it. */
export function windowShowing(w: HeatmapWindow, n: number, c: Cell): HeatmapWindow {
  let { r0, c0 } = w;
  if (c.row < r0) r0 = c.row;
  else if (c.row >= r0 + w.count) r0 = clampStart(n, w.count, c.row - w.count + 1);
  if (c.col < c0) c0 = c.col;
  else if (c.col >= c0 + w.count) c0 = clampStart(n, w.count, c.col - w.count + 1);
  return { r0, c0, count: w.count };
}

/** The window moved by whole cells (clamped to the map). */
export function panWindow(
  w: HeatmapWindow,
  n: number,
  dRows: number,
  dCols: number,
): HeatmapWindow {
  return {
    count: w.count,
    r0: clampStart(n, w.count, w.r0 + dRows),
    c0: clampStart(n, w.count, w.c0 + dCols),
  };
}

/** What is under (x, y) (CSS pixels on the canvas): a cell, a row label, a column label. */
export function hitTest(
  L: PlotLayout,
  w: HeatmapWindow,
  n: number,
  x: number,
  y: number,
): (Cell & { kind: 'cell' | 'row' | 'col' }) | null {
  if (!n) return null;
  const inX = x >= L.left && x < L.left + L.plot;
  const inY = y >= L.top && y < L.top + L.plot;
  const row = w.r0 + Math.floor((y - L.top) / L.cell);
  const col = w.c0 + Math.floor((x - L.left) / L.cell);
  if (inX && inY && row < n && col < n) return { kind: 'cell', row, col };
  if (inY && x < L.left && row < n) return { kind: 'row', row, col: row };
  if (inX && y < L.top && col < n) return { kind: 'col', row: col, col };
  return null;
}

/** What a key does on the focused map. */
export type KeyAction =
  | { kind: 'move'; cursor: Cell }
  | { kind: 'select'; row: number }
  | { kind: 'clear' }
  | { kind: 'zoom'; factor: number; anchor: Cell }
  | { kind: 'fit' };

/**
 * Arrows move the cursor (PageUp/PageDown by a screen, Home to the first column, End to the
 * diagonal), Enter or Space selects the cursor's row token, Escape clears a selection,
 * + / - zoom around the cursor, 0 fits the whole map. Null: the key is not the map's.
 */
export function keyAction(
  key: string,
  cursor: Cell | null,
  n: number,
  count: number,
  hasSelection: boolean,
): KeyAction | null {
  if (!n) return null;
  const c = cursor ?? { row: n - 1, col: 0 };
  const page = Math.max(1, count - 1);
  let next: Cell;
  switch (key) {
    case 'ArrowUp':
      next = { row: c.row - 1, col: c.col };
      break;
    case 'ArrowDown':
      next = { row: c.row + 1, col: c.col };
      break;
    case 'ArrowLeft':
      next = { row: c.row, col: c.col - 1 };
      break;
    case 'ArrowRight':
      next = { row: c.row, col: c.col + 1 };
      break;
    case 'PageUp':
      next = { row: c.row - page, col: c.col };
      break;
    case 'PageDown':
      next = { row: c.row + page, col: c.col };
      break;
    case 'Home':
      next = { row: c.row, col: 0 };
      break;
    case 'End':
      next = { row: c.row, col: c.row };
      break;
    case 'Enter':
    case ' ':
      return { kind: 'select', row: c.row };
    case 'Escape':
      return hasSelection ? { kind: 'clear' } : null;
    case '+':
    case '=':
      return { kind: 'zoom', factor: 0.5, anchor: c };
    case '-':
    case '_':
      return { kind: 'zoom', factor: 2, anchor: c };
    case '0':
      return { kind: 'fit' };
    default:
      return null;
  }
  const clamp = (x: number) => Math.max(0, Math.min(n - 1, x));
  return { kind: 'move', cursor: { row: clamp(next.row), col: clamp(next.col) } };
}

/** The smallest of 1, 2, 5, 10, 20, 50, ... that is >= x (axis tick steps). */
export function niceStep(x: number): number {
  let base = 1;
  for (;;) {
    for (const m of [1, 2, 5]) if (m * base >= x) return m * base;
    base *= 10;
  }
}

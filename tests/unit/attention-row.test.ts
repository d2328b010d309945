import { describe, expect, it } from 'vitest';
import { attentionRow, strongest } from '../../src/ui/inspector/attention-row.ts';

/** A causal [n, n] map whose row i spreads evenly over tokens 0..i (or all on `to`). */
function map(n: number, to?: number) {
  const probs = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    if (to !== undefined && to <= i) probs[i * n + to] = 1;
    else for (let j = 0; j <= i; j++) probs[i * n + j] = 1 / (i + 1);
  }
  return { n, probs };
}

describe('attentionRow', () => {
  it('is one head’s row, or the mean of the heads’ rows', () => {
    expect(Array.from(attentionRow([map(4, 0)], 2))).toEqual([1, 0, 0, 0]);
    const mean = attentionRow([map(4, 0), map(4)], 3);
    expect(Array.from(mean)).toEqual([0.625, 0.125, 0.125, 0.125]);
    expect(mean.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    // Nothing after the token itself (the causal mask).
    expect(Array.from(attentionRow([map(3)], 0))).toEqual([1, 0, 0]);
  });

  it('refuses no maps, mixed sizes and rows outside the map', () => {
    expect(() => attentionRow([], 0)).toThrow(RangeError);
    expect(() => attentionRow([map(3), map(4)], 1)).toThrow(/cannot be averaged/);
    expect(() => attentionRow([map(3)], 3)).toThrow(/outside/);
    expect(() => attentionRow([map(3)], -1)).toThrow(/outside/);
  });

  it('strongest lists the most attended tokens first', () => {
    expect(strongest([0.1, 0.5, 0, 0.4], 2)).toEqual([1, 3]);
    expect(strongest([0.5, 0.5, 0], 5)).toEqual([0, 1]);
  });
});

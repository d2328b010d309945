import { expect } from 'vitest';

/**
 * Fails unless |actual - expected| <= atol + rtol * |expected| everywhere, naming the
 * first mismatches and the largest error (as llm.c's checkers do).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-5, label = 'values' } = {},
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const bad: string[] = [];
  let maxErr = 0;
  let maxAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    if (!(err <= maxErr)) {
      maxErr = Number.isNaN(err) ? Infinity : err;
      maxAt = i;
    }
    if (!(err <= atol + rtol * Math.abs(e)) && bad.length < 5)
      bad.push(`[${i}] got ${a} want ${e}`);
  }
  if (bad.length) {
    expect.fail(`${label}: mismatches ${bad.join('; ')}; max error ${maxErr} at ${maxAt}`);
  }
}

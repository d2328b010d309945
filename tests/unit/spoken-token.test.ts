import { describe, expect, it } from 'vitest';
import { spokenToken } from '../../src/ui/spoken-token.ts';

describe('spokenToken', () => {
  it('names whitespace a screen reader would swallow', () => {
    expect(spokenToken('Hello')).toBe('Hello');
    expect(spokenToken(' the')).toBe('the (after a space)');
    expect(spokenToken('\n')).toBe('newline');
    expect(spokenToken('\n\n')).toBe('newline newline');
    expect(spokenToken(' ')).toBe('space');
    expect(spokenToken('.\n')).toBe('. (then a newline)');
    expect(spokenToken('')).toBe('empty');
  });
});

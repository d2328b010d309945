import { describe, expect, it } from 'vitest';
import { figuresJson } from '../../src/ui/format.ts';
import { runBlocker } from '../../src/ui/run-blocker.ts';

describe('runBlocker', () => {
  it('lets a run start when the settings are valid and the prompt leaves a position', () => {
    expect(runBlocker('', 255, 256)).toBe('');
    // No model yet: the context window is unknown, nothing to say about the prompt.
    expect(runBlocker('', 5000, null)).toBe('');
  });

  it('says how much to shorten a prompt that fills the window (the new token needs one)', () => {
    expect(runBlocker('', 256, 256)).toBe(
      'The prompt has 256 tokens; this model reads at most 256, including the one to ' +
        'generate: shorten it by 1.',
    );
    expect(runBlocker('', 300, 256)).toContain('shorten it by 45.');
  });

  it('puts the settings problem first', () => {
    expect(runBlocker('Fix top-k first: …', 300, 256)).toBe('Fix top-k first: …');
  });
});

describe('figuresJson', () => {
  it('keeps fractions to 6 significant digits and leaves whole numbers and text alone', () => {
    const text = figuresJson({
      ms: 175.39999999990687,
      tiny: 0.000123456789,
      n: 123456789,
      s: 'a',
    });
    expect(JSON.parse(text)).toEqual({ ms: 175.4, tiny: 0.000123457, n: 123456789, s: 'a' });
    expect(text).toContain('\n  "ms": 175.4,');
  });
});

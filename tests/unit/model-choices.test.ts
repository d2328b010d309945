import { describe, expect, it } from 'vitest';
import { ModelSpecError } from '../../src/model/sources/errors.ts';
import { choiceLabel, hubChoice, parseModelChoice } from '../../src/ui/model-choices.ts';
import { readUrlState } from '../../src/ui/url-state.ts';

const PAGE = 'https://play.example/app/?x=1';

describe('model specs from links and the picker', () => {
  it('reads a path on this site as a URL folder of this site', () => {
    expect(parseModelChoice('/weights/gpt2', PAGE)).toEqual({
      kind: 'url',
      url: 'https://play.example/weights/gpt2',
    });
    expect(parseModelChoice('./weights/gpt2', PAGE)).toEqual({
      kind: 'url',
      url: 'https://play.example/app/weights/gpt2',
    });
  });

  it('does not take "//host" or "/\\host" for a path on this site', () => {
    for (const spec of [
      '//other.host/m',
      '/\\other.host/m',
      '\\\\other.host/m',
      '\\/other.host/m',
    ]) {
      let error: unknown = null;
      try {
        parseModelChoice(spec, PAGE);
      } catch (e) {
        error = e;
      }
      expect(error, spec).toBeInstanceOf(ModelSpecError);
      expect((error as Error).message).toMatch(
        /is not a path on this site: it points at other\.host/,
      );
    }
    const state = readUrlState(`${PAGE}&model=${encodeURIComponent('//other.host/m')}`);
    expect(state.model).toBeNull();
    expect(state.problems.join(' ')).toMatch(/points at other\.host/);
  });

  it('names the host of a model that is not from this site or huggingface.co', () => {
    expect(choiceLabel({ kind: 'url', url: 'https://other.host/m' })).toBe('other.host/m');
    expect(choiceLabel(hubChoice('openai-community/gpt2'))).toBe('GPT-2 small');
    expect(choiceLabel(hubChoice('openai-community/gpt2'), 'http://127.0.0.1:9000')).toBe(
      'GPT-2 small (hub at 127.0.0.1:9000)',
    );
    expect(choiceLabel({ kind: 'bundled' }, 'http://127.0.0.1:9000')).toBe(
      'tiny-trained (bundled)',
    );
  });
});

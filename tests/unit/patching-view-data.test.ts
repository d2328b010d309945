import { describe, expect, it } from 'vitest';
import { Gpt2Tokenizer } from '../../src/tokenizer/gpt2-tokenizer.ts';
import { divergingCss, divergingRgb, symmetricMax } from '../../src/ui/interventions/diverging.ts';
import { effectSvg } from '../../src/ui/interventions/effect-export.ts';
import { checkPatchingForm, IOI_EXAMPLE } from '../../src/ui/interventions/patching-form.ts';

const tok = new Gpt2Tokenizer();

describe('the patching form', () => {
  it('turns the IOI example into a request of two equal-length prompts and one-token answers', () => {
    const c = checkPatchingForm(IOI_EXAMPLE, tok, 256);
    expect(c.problems).toEqual({});
    expect(c.cleanIds.length).toBe(c.corruptIds.length);
    expect(c.request).toEqual({
      cleanIds: tok.encode(IOI_EXAMPLE.clean),
      corruptIds: tok.encode(IOI_EXAMPLE.corrupt),
      rightId: tok.encode(' Mary')[0],
      wrongId: tok.encode(' John')[0],
    });
  });

  it('says when the prompts differ in length, naming both counts', () => {
    const c = checkPatchingForm(
      { ...IOI_EXAMPLE, corrupt: 'When John went to the store' },
      tok,
      256,
    );
    expect(c.request).toBeNull();
    expect(c.problems.lengths).toBe(
      `The clean prompt has ${c.cleanIds.length} tokens and the corrupted one ${c.corruptIds.length}: ` +
        'patching swaps activations position by position, so they must have the same number of ' +
        'tokens. Change words for words of the same token length.',
    );
  });

  it('wants each answer to be exactly one token, and the two to differ', () => {
    const two = checkPatchingForm({ ...IOI_EXAMPLE, right: ' Mary Ann' }, tok, 256);
    expect(two.problems.right).toMatch(/^" Mary Ann" is 2 tokens, not one: give a single token/);
    expect(two.rightId).toBeNull();
    expect(checkPatchingForm({ ...IOI_EXAMPLE, wrong: '' }, tok, 256).problems.wrong).toMatch(
      /Give the wrong answer/,
    );
    expect(checkPatchingForm({ ...IOI_EXAMPLE, wrong: ' Mary' }, tok, 256).problems.wrong).toMatch(
      /always be 0/,
    );
  });

  it('refuses empty prompts and prompts longer than the model reads', () => {
    const empty = checkPatchingForm({ ...IOI_EXAMPLE, clean: '' }, tok, 256);
    expect(empty.problems.clean).toBe('Type the clean prompt.');
    const long = checkPatchingForm(IOI_EXAMPLE, tok, 5);
    expect(long.problems.clean).toMatch(/this model reads at most 5/);
    expect(long.request).toBeNull();
  });
});

describe('the diverging scale', () => {
  it('is neutral at 0 and for undefined values, the end colours at ±max, clamped beyond', () => {
    expect(divergingRgb(0, 1)).toEqual([247, 247, 247]);
    expect(divergingRgb(null, 1)).toEqual([247, 247, 247]);
    expect(divergingRgb(2, 2)).toEqual([178, 24, 43]);
    expect(divergingRgb(-5, 2)).toEqual([33, 102, 172]);
    const half = divergingRgb(0.5, 1);
    expect(half[0]).toBe(Math.round(247 + (178 - 247) / 2));
    expect(divergingCss(0, 1, 'dark')).toBe('rgb(31, 35, 45)');
    expect(
      symmetricMax([
        [0.2, null],
        [-0.7, 0.1],
      ]),
    ).toBe(0.7);
  });

  it('exports an SVG with one rect per value and labels escaped', () => {
    const svg = effectSvg({
      title: 'T <1>',
      values: [
        [1, -1, null],
        [0, 0.5, 0.25],
      ],
      rowLabels: ['L0', 'L1'],
      colLabels: ['<b>', '&', '"'],
      quantity: 'effect',
    });
    expect(svg.match(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="rgb/g)).toHaveLength(6);
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).toContain('&amp;');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('undefined');
  });
});

import { describe, expect, it } from 'vitest';
import {
  ablationFromParams,
  ablationKey,
  describeAblation,
  engineAblation,
  fitAblation,
  formatHeads,
  formatMode,
  NO_ABLATION,
  parseScale,
  withHead,
} from '../../src/ui/interventions/ablation.ts';
import { buildRunExport } from '../../src/ui/inspector/export-run.ts';
import { DEFAULT_RUN_SETTINGS } from '../../src/ui/run-settings.ts';
import { readUrlState, writeUrlState } from '../../src/ui/url-state.ts';

describe('the playground’s head ablation', () => {
  it('toggles heads in order, without duplicates, and names them as the CLI does', () => {
    let a = withHead(NO_ABLATION, 3, 2, true);
    a = withHead(a, 0, 1, true);
    a = withHead(a, 3, 2, true);
    expect(formatHeads(a.heads)).toBe('0.1,3.2');
    expect(describeAblation(a)).toBe('L0H1, L3H2 zeroed');
    expect(describeAblation({ ...a, mode: 'mean' })).toBe('L0H1, L3H2 mean-ablated');
    expect(describeAblation({ ...a, mode: 'scale', scale: 0.25 })).toBe('L0H1, L3H2 scaled ×0.25');
    expect(formatMode({ mode: 'scale', scale: -1.5 })).toBe('scale:-1.5');
    a = withHead(a, 0, 1, false);
    expect(formatHeads(a.heads)).toBe('3.2');
    expect(describeAblation(NO_ABLATION)).toBe('');
  });

  it('is no intervention without heads; the scale only counts in scale mode', () => {
    expect(engineAblation(NO_ABLATION)).toBeNull();
    expect(ablationKey(NO_ABLATION)).toBe('');
    const a = withHead({ ...NO_ABLATION, scale: 0.7 }, 1, 1, true);
    expect(engineAblation(a)).toEqual({ heads: [{ layer: 1, head: 1 }], mode: 'zero', scale: 0 });
    expect(ablationKey(a)).toBe(ablationKey({ ...a, scale: 0.2 }));
    expect(ablationKey({ ...a, mode: 'scale' })).not.toBe(
      ablationKey({ ...a, mode: 'scale', scale: 0.2 }),
    );
  });

  it('takes a typed scale only when it is a finite number', () => {
    expect(parseScale(' -0.5 ')).toBe(-0.5);
    for (const bad of ['', 'abc', 'Infinity', 'NaN', '1e999']) {
      expect(() => parseScale(bad)).toThrow(/finite number/);
    }
  });

  it('drops the heads a model does not have, saying which', () => {
    const a = {
      ...NO_ABLATION,
      heads: [
        { layer: 1, head: 2 },
        { layer: 4, head: 0 },
        { layer: 0, head: 7 },
      ],
    };
    const fit = fitAblation(a, { nLayer: 4, nHead: 4 });
    expect(formatHeads(fit.ablation.heads)).toBe('1.2');
    expect(fit.dropped).toMatch(
      /^L4H0, L0H7 do not exist in this model \(layers 0..3, heads 0..3\)/,
    );
    expect(fitAblation(fit.ablation, { nLayer: 4, nHead: 4 }).dropped).toBeNull();
  });

  it('round-trips through the link, and a bad value is dropped with the reason', () => {
    const a = {
      heads: [
        { layer: 0, head: 0 },
        { layer: 2, head: 1 },
      ],
      mode: 'scale' as const,
      scale: 0.5,
    };
    const href = writeUrlState('http://x/?prompt=a', {
      model: null,
      storage: 'f16',
      prompt: 'a',
      settings: DEFAULT_RUN_SETTINGS,
      hubBase: null,
      ablation: a,
    });
    expect(new URL(href).searchParams.get('ablate')).toBe('0.0,2.1');
    expect(new URL(href).searchParams.get('ablate_mode')).toBe('scale:0.5');
    const back = readUrlState(href);
    expect(back.ablation).toEqual(a);
    expect(back.problems).toEqual([]);
    const none = writeUrlState(href, {
      model: null,
      storage: 'f16',
      prompt: 'a',
      settings: DEFAULT_RUN_SETTINGS,
      hubBase: null,
      ablation: NO_ABLATION,
    });
    expect(none).not.toMatch(/ablate/);
    const bad = ablationFromParams('0.0,x', 'half');
    expect(bad.ablation).toEqual(NO_ABLATION);
    expect(bad.problems).toEqual([
      'The link\'s ablate_mode is ignored: unknown ablation mode "half": use zero, mean or scale:FACTOR.',
      'The link\'s ablate is ignored: "x" is not a head: write layer.head, e.g. 0.3.',
    ]);
  });

  it('goes into the run export, per token like the settings', () => {
    const a = withHead(NO_ABLATION, 0, 0, true);
    const token = {
      id: 5,
      text: 'x',
      prob: 1,
      alternatives: [],
      candidates: [],
      settings: DEFAULT_RUN_SETTINGS.sampling,
      branched: false,
      usedFullLogits: false,
    };
    const doc = buildRunExport({
      model: null,
      prompt: 'p',
      promptIds: [1],
      settings: DEFAULT_RUN_SETTINGS,
      output: [{ ...token, intervention: a }, token],
      stopReason: null,
      intervention: a,
    });
    expect(doc.intervention).toEqual({ ablate: '0.0', ablate_mode: 'zero' });
    expect(doc.tokens[0]).toMatchObject({ intervention: { ablate: '0.0', ablate_mode: 'zero' } });
    expect(doc.tokens[1]).not.toHaveProperty('intervention');
    const none = buildRunExport({
      model: null,
      prompt: 'p',
      promptIds: [1],
      settings: DEFAULT_RUN_SETTINGS,
      output: [token],
      stopReason: null,
    });
    expect(none.intervention).toBeNull();
    expect(none.head_roles).toBeNull();
    const grid = [[0.5, 0.1]];
    const withRoles = buildRunExport({
      model: null,
      prompt: 'p',
      promptIds: [1],
      settings: DEFAULT_RUN_SETTINGS,
      output: [token],
      stopReason: null,
      roles: { ids: [50256, 7, 7], previous: grid, first: grid, self: grid, induction: grid },
    });
    expect(withRoles.head_roles).toEqual({
      ids: [50256, 7, 7],
      threshold: 0.4,
      previous: grid,
      first: grid,
      self: grid,
      induction: grid,
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  formatProb,
  makeThumb,
  MASKED,
  poolWindow,
  rowSums,
  topAttended,
} from '../../src/ui/inspector/attention-data.ts';
import { parseBenchParams, benchSearch } from '../../src/ui/bench-controller.ts';
import {
  lutIndex,
  palette,
  scalePosition,
  scaleTicks,
} from '../../src/ui/inspector/colour-scale.ts';
import { buildRunExport, type RunExportInput } from '../../src/ui/inspector/export-run.ts';
import { xml } from '../../src/ui/inspector/png-export.ts';

/** A causal map whose cell (i, j) is 1 / (i + 1): every row sums to 1. */
function uniformCausal(n: number): Float32Array {
  const p = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) p[i * n + j] = 1 / (i + 1);
  return p;
}

describe('attention data helpers', () => {
  it('pools a window by block maxima and marks blocks above the diagonal as masked', () => {
    const n = 4;
    // Row i attends only to j = 0 (a sink) except row 3, which looks at itself.
    const p = new Float32Array(n * n);
    p[0] = 1;
    p[4] = 1;
    p[8] = 1;
    p[15] = 1;
    // Identity at full size.
    expect([...poolWindow(p, n, 0, 0, 4, 4)]).toEqual([
      1,
      MASKED,
      MASKED,
      MASKED,
      1,
      0,
      MASKED,
      MASKED,
      1,
      0,
      0,
      MASKED,
      0,
      0,
      0,
      1,
    ]);
    // 2 x 2 blocks: the maxima keep the one-cell patterns; the top-right block is all mask.
    expect([...poolWindow(p, n, 0, 0, 4, 2)]).toEqual([1, MASKED, 1, 1]);
    // A window: rows 2..3, columns 1..2.
    expect([...poolWindow(p, n, 2, 1, 2, 2)]).toEqual([0, 0, 0, 0]);
    expect([...poolWindow(p, n, 0, 2, 2, 2)]).toEqual([MASKED, MASKED, MASKED, MASKED]);
  });

  it('makes thumbnails no larger than the map and keeps 1-wide diagonals visible', () => {
    const n = 300;
    const p = new Float32Array(n * n);
    for (let i = 0; i < n; i++) p[i * n + i] = 1; // each token looks at itself
    const t = makeThumb({ n, probs: p }, 48);
    expect(t.size).toBe(48);
    for (let k = 0; k < 48; k++) expect(t.data[k * 48 + k]).toBe(1);
    expect(makeThumb({ n: 5, probs: uniformCausal(5) }).size).toBe(5);
  });

  it('lists where a row attends, largest first, and sums rows', () => {
    const n = 3;
    const p = new Float32Array([1, 0, 0, 0.25, 0.75, 0, 0.2, 0.2, 0.6]);
    expect(topAttended(p, n, 2, 2)).toEqual([
      { col: 2, p: expect.closeTo(0.6, 6) },
      { col: 0, p: expect.closeTo(0.2, 6) },
    ]);
    expect([...rowSums(p, n)].map((s) => s.toFixed(6))).toEqual([
      '1.000000',
      '1.000000',
      '1.000000',
    ]);
    expect(formatProb(0.43214)).toBe('0.4321');
    expect(formatProb(0.000123456)).toBe('0.000123');
    expect(formatProb(1)).toBe('1');
  });
});

describe('colour scale', () => {
  it('maps probabilities to [0, 1] on each scale, ticks included', () => {
    expect(scalePosition('linear', 0.25)).toBe(0.25);
    expect(scalePosition('sqrt', 0.25)).toBe(0.5);
    expect(scalePosition('log', 1e-4)).toBe(0);
    expect(scalePosition('log', 1e-2)).toBeCloseTo(0.5, 12);
    expect(scalePosition('log', 1)).toBe(1);
    expect(scalePosition('sqrt', -1)).toBe(0);
    expect(scalePosition('sqrt', NaN)).toBe(0);
    for (const kind of ['linear', 'sqrt', 'log'] as const) {
      const ticks = scaleTicks(kind);
      expect(ticks[0].pos).toBe(0);
      expect(ticks[ticks.length - 1].pos).toBe(1);
    }
    expect(scaleTicks('log').map((t) => t.label)).toEqual(['10⁻⁴', '10⁻³', '0.01', '0.1', '1']);
  });

  it('has a palette that darkens with weight on a light page and brightens on a dark one', () => {
    const lum = (lut: Uint8ClampedArray, i: number) => lut[i * 4] + lut[i * 4 + 1] + lut[i * 4 + 2];
    const light = palette('light').lut;
    const dark = palette('dark').lut;
    for (let i = 1; i < 256; i++) {
      expect(lum(light, i)).toBeLessThanOrEqual(lum(light, i - 1));
      expect(lum(dark, i)).toBeGreaterThanOrEqual(lum(dark, i - 1));
    }
    expect(lutIndex('linear', 1)).toBe(255);
  });
});

describe('exports', () => {
  it('escapes token text for SVG and drops characters XML forbids', () => {
    expect(xml(`<script>"a" & 'b'</script>`)).toBe(
      '&lt;script&gt;&quot;a&quot; &amp; &apos;b&apos;&lt;/script&gt;',
    );
    expect(xml('a\u0000b\u0007c\n')).toBe('abc\n');
  });

  it('writes the run with the settings, seed, tokens, probabilities and candidates', () => {
    const sampling = { temperature: 0.8, topK: 40, topP: 0.95, seed: 42 };
    const run: RunExportInput = {
      model: null,
      prompt: 'Hi',
      promptIds: [17250],
      settings: { sampling, maxNewTokens: 2 },
      stopReason: 'max_tokens',
      output: [
        {
          id: 11,
          text: ',',
          prob: 0.5,
          alternatives: [
            { id: 11, text: ',', logit: 3, prob: 0.5, probBeforeFilter: 0.4, modelProb: 0.3 },
            { id: 13, text: '.', logit: NaN, prob: 0, probBeforeFilter: 0, modelProb: 0 },
          ],
          settings: sampling,
          branched: false,
          usedFullLogits: false,
          candidates: [],
        },
        {
          id: 13,
          text: '.',
          prob: 0,
          alternatives: [],
          settings: { ...sampling, temperature: 1.5 },
          branched: true,
          usedFullLogits: true,
          candidates: [],
        },
      ],
    };
    run.figures = {
      ttftMs: 120,
      prefillMs: 100,
      prefillTokens: 1,
      msPerToken: 20,
      tokensPerSecond: 50,
      tokens: 2,
      aheadTokens: 1,
      kernels: {
        prefill: null,
        prefillTokens: 0,
        decode: {
          kernels: [
            { kind: 'matvec', ms: 3 },
            { kind: 'lm_head', ms: 1 },
          ],
          gpuMs: 4,
          wallMs: 5,
        },
        decodeSteps: 1,
      },
    };
    const doc = buildRunExport(run, new Date('2025-01-02T03:04:05Z'));
    expect(doc.figures?.pipelined_tokens).toBe(1);
    expect(doc.figures?.gpu_ms_per_kernel).toEqual({
      prefill: null,
      prefill_tokens: 0,
      decode_mean: { gpu_ms: 4, wall_ms: 5, kernels: { matvec: 3, lm_head: 1 } },
      decode_steps: 1,
    });
    expect(doc).toMatchObject({
      format: 'gpt2-webgpu-playground/run',
      exported_at: '2025-01-02T03:04:05.000Z',
      prompt: 'Hi',
      prompt_ids: [17250],
      settings: { temperature: 0.8, top_k: 40, top_p: 0.95, seed: 42, max_new_tokens: 2 },
      seed: 42,
      ids: [11, 13],
      text: ',.',
      stop: 'max_tokens',
    });
    expect(doc.tokens[0]).not.toHaveProperty('settings');
    expect(doc.tokens[0].position).toBe(1);
    expect(doc.tokens[0].candidates[1].logit).toBeNull(); // NaN is not JSON
    expect(doc.tokens[1]).toMatchObject({ branched: true, settings: { temperature: 1.5 } });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('benchmark page parameters', () => {
  it('reads a link, reports what it cannot use, and writes it back', () => {
    const ok = parseBenchParams('?preset=tiny&precision=f32&prefill=8&steps=2&autostart=1');
    expect(ok).toEqual({
      request: { preset: 'tiny', storage: 'f32', prefillTokens: 8, decodeSteps: 2, peakMb: 256 },
      autostart: true,
      problems: [],
    });
    expect(benchSearch(ok.request)).toBe('?preset=tiny&precision=f32&prefill=8&steps=2');
    // The peak-bandwidth buffer: written back only when not the default.
    const small = parseBenchParams('?preset=tiny&peak_mb=8');
    expect(small.request.peakMb).toBe(8);
    expect(benchSearch(small.request)).toMatch(/&peak_mb=8$/);
    expect(parseBenchParams('?peak_mb=0').problems).toEqual([
      'peak_mb must be a whole number from 1 to 4096, got "0".',
    ]);
    const bad = parseBenchParams('?preset=gpt5&precision=f8&prefill=1.5&steps=0');
    expect(bad.request).toEqual({
      preset: 'gpt2',
      storage: 'f16',
      prefillTokens: 128,
      decodeSteps: 8,
      peakMb: 256,
    });
    expect(bad.autostart).toBe(false);
    expect(bad.problems).toHaveLength(4);
  });
});

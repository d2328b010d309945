import { describe, expect, it } from 'vitest';
import { gpt2TensorSpecs, mapGpt2Checkpoint } from '../../src/model/checkpoint.ts';
import { GPT2_PRESETS, type Gpt2Config } from '../../src/model/config.ts';
import { WeightsFormatError } from '../../src/model/errors.ts';
import {
  randomCheckpointLayout,
  type RandomCheckpointOptions,
} from '../../src/model/random-checkpoint.ts';
import { parseSafetensorsHeader, type SafetensorsHeader } from '../../src/model/safetensors.ts';

const SMALL: Partial<Gpt2Config> = { nLayer: 3, nEmbd: 16, nHead: 2, nPositions: 8, vocabSize: 50 };

/** The parsed header of a generated checkpoint (no tensor data is generated). */
function header(opts: RandomCheckpointOptions = {}): { h: SafetensorsHeader; config: Gpt2Config } {
  const layout = randomCheckpointLayout({ config: SMALL, ...opts });
  return { h: parseSafetensorsHeader(layout.header, layout.size), config: layout.config };
}

function formatError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsFormatError);
    return (e as Error).message;
  }
  throw new Error('expected a WeightsFormatError');
}

describe('gpt2TensorSpecs', () => {
  it('lists the tensors of GPT-2 small with Conv1D [in, out] shapes', () => {
    const specs = gpt2TensorSpecs(GPT2_PRESETS.gpt2);
    expect(specs.length).toBe(4 + 12 * 12);
    const shape = (key: string) => specs.find((s) => s.key === key)?.shape;
    expect(shape('wte.weight')).toEqual([50257, 768]);
    expect(shape('wpe.weight')).toEqual([1024, 768]);
    expect(shape('h.11.attn.c_attn.weight')).toEqual([768, 2304]);
    expect(shape('h.0.attn.c_attn.bias')).toEqual([2304]);
    expect(shape('h.5.mlp.c_fc.weight')).toEqual([768, 3072]);
    expect(shape('h.5.mlp.c_proj.weight')).toEqual([3072, 768]);
    expect(shape('ln_f.bias')).toEqual([768]);
    const elements = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(elements).toBe(124_439_808);
    expect(specs.filter((s) => s.kind === 'matrix').map((s) => s.key)).toContain(
      'h.3.attn.c_proj.weight',
    );
    expect(specs.find((s) => s.key === 'h.3.ln_2.weight')?.kind).toBe('vector');
  });
});

describe('mapGpt2Checkpoint', () => {
  it('maps names without a prefix', () => {
    const { h, config } = header();
    const c = mapGpt2Checkpoint(h, config);
    expect(c.prefix).toBe('');
    expect(c.tensors.map((t) => t.key)).toEqual(gpt2TensorSpecs(config).map((s) => s.key));
    const qkv = c.tensors.find((t) => t.key === 'h.2.attn.c_attn.weight');
    expect(qkv?.info).toMatchObject({ name: 'h.2.attn.c_attn.weight', shape: [16, 48] });
    expect(c.warnings).toEqual([]);
    expect(c.ignored).toEqual([]);
  });

  it('maps names with the transformer. prefix', () => {
    const { h, config } = header({ prefix: true });
    const c = mapGpt2Checkpoint(h, config);
    expect(c.prefix).toBe('transformer.');
    expect(c.tensors.find((t) => t.key === 'ln_f.weight')?.info.name).toBe(
      'transformer.ln_f.weight',
    );
    expect(c.tensors.length).toBe(4 + 12 * 3);
  });

  it('maps a GPT-2-small-shaped header', () => {
    const layout = randomCheckpointLayout({ preset: 'gpt2', dtype: 'F16', includeAttnBias: true });
    const c = mapGpt2Checkpoint(parseSafetensorsHeader(layout.header, layout.size), layout.config);
    expect(c.tensors.length).toBe(148);
    expect(c.ignored.length).toBe(12);
    expect(layout.size - layout.header.length).toBe(2 * (124_439_808 + 12 * 1024 * 1024));
  });

  it('names a missing tensor', () => {
    const { h, config } = header({ prefix: true });
    h.tensors.delete('transformer.h.1.mlp.c_fc.bias');
    expect(formatError(() => mapGpt2Checkpoint(h, config))).toMatch(
      /no tensor "transformer.h.1.mlp.c_fc.bias", which a GPT-2 with 3 layers needs/,
    );
  });

  it('names a tensor whose shape does not match the config', () => {
    const { h, config } = header();
    expect(formatError(() => mapGpt2Checkpoint(h, { ...config, vocabSize: 51 }))).toMatch(
      /tensor "wte.weight" has shape \[50, 16\], but config.json implies \[51, 16\]/,
    );
    expect(formatError(() => mapGpt2Checkpoint(h, { ...config, nLayer: 4 }))).toMatch(
      /no tensor "h.3.ln_1.weight"/,
    );
    const t = h.tensors.get('h.0.attn.c_attn.weight');
    if (!t) throw new Error('generator lost a tensor');
    t.shape = [48, 16];
    expect(formatError(() => mapGpt2Checkpoint(h, config))).toMatch(
      /\[48, 16\].*\[16, 48\]. It looks transposed/,
    );
  });

  it('refuses a file without wte', () => {
    const { h, config } = header();
    h.tensors.delete('wte.weight');
    expect(formatError(() => mapGpt2Checkpoint(h, config))).toMatch(
      /no wte.weight.*not a GPT-2 checkpoint/,
    );
  });

  it('ignores the causal masks and the tied lm_head, warns about unknown tensors', () => {
    const { h, config } = header({ includeAttnBias: true, includeLmHead: true });
    const extra = { ...h.tensors.get('ln_f.bias')!, name: 'h.0.attn.masked_bias' };
    h.tensors.set(extra.name, extra);
    h.tensors.set('score.weight', { ...extra, name: 'score.weight' });
    const c = mapGpt2Checkpoint(h, config);
    expect(c.ignored.sort()).toEqual([
      'h.0.attn.bias',
      'h.0.attn.masked_bias',
      'h.1.attn.bias',
      'h.2.attn.bias',
      'lm_head.weight',
    ]);
    expect(c.warnings).toEqual([
      'model.safetensors: ignoring tensor "score.weight", which GPT-2 does not use.',
    ]);
    expect(c.tensors.length).toBe(4 + 12 * 3);
  });

  it('says many unknown tensors in one warning, with a few of their names', () => {
    const { h, config } = header();
    const extra = h.tensors.get('ln_f.bias')!;
    for (let i = 0; i < 5000; i++) h.tensors.set(`extra.${i}`, { ...extra, name: `extra.${i}` });
    const c = mapGpt2Checkpoint(h, config);
    expect(c.warnings).toEqual([
      'model.safetensors: ignoring 5000 tensors GPT-2 does not use: "extra.0", "extra.1", ' +
        '"extra.2" and 4997 more.',
    ]);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapGpt2Checkpoint } from '../../src/model/checkpoint.ts';
import { parseGpt2Config, type Gpt2Config } from '../../src/model/config.ts';
import { f16BitsToF32 } from '../../src/model/half.ts';
import { writeRandomCheckpoint } from '../../src/model/random-checkpoint-node.ts';
import {
  makeRandomCheckpoint,
  randomTensorValues,
  type RandomCheckpointOptions,
} from '../../src/model/random-checkpoint.ts';
import { parseSafetensorsHeader, type SafetensorsDtype } from '../../src/model/safetensors.ts';

const SMALL: Partial<Gpt2Config> = {
  nLayer: 2,
  nEmbd: 24,
  nHead: 3,
  nPositions: 10,
  vocabSize: 97,
};

function make(opts: RandomCheckpointOptions = {}) {
  return makeRandomCheckpoint({ config: SMALL, ...opts });
}

/** Decodes a tensor straight from the file bytes, independently of the generator. */
function decode(file: Uint8Array, name: string): Float32Array {
  const h = parseSafetensorsHeader(file, file.length);
  const t = h.tensors.get(name);
  if (!t) throw new Error(`no ${name}`);
  const view = new DataView(file.buffer, file.byteOffset + h.dataOffset + t.begin, t.end - t.begin);
  const out = new Float32Array(t.elements);
  for (let i = 0; i < t.elements; i++) {
    if (t.dtype === 'F32') out[i] = view.getFloat32(i * 4, true);
    else if (t.dtype === 'F16') out[i] = f16BitsToF32(view.getUint16(i * 2, true));
    else out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0];
  }
  return out;
}

function stats(v: Float32Array): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('makeRandomCheckpoint', () => {
  it('is deterministic in the seed', () => {
    const a = make({ seed: 7 }).safetensors;
    expect(make({ seed: 7 }).safetensors).toEqual(a);
    const b = make({ seed: 8 }).safetensors;
    expect(b.length).toBe(a.length);
    expect(decode(b, 'wte.weight')).not.toEqual(decode(a, 'wte.weight'));
  });

  it('writes a config and a file the parser and the mapper accept', () => {
    const { configJson, safetensors, config } = make({ prefix: true });
    expect(parseGpt2Config(JSON.parse(configJson))).toEqual(config);
    expect(config).toMatchObject({ nLayer: 2, nEmbd: 24, nHead: 3, nInner: 96 });
    const h = parseSafetensorsHeader(safetensors, safetensors.length);
    expect(h.dataOffset % 8).toBe(0);
    expect(h.metadata).toEqual({ format: 'pt' });
    const c = mapGpt2Checkpoint(h, config);
    expect(c.prefix).toBe('transformer.');
    expect(c.warnings).toEqual([]);
  });

  for (const dtype of ['F32', 'F16', 'BF16'] as SafetensorsDtype[]) {
    it(`randomTensorValues are the ${dtype} file's values`, () => {
      const { safetensors, layout } = make({ dtype, includeAttnBias: true });
      for (const name of ['wte.weight', 'h.1.attn.c_attn.weight', 'h.0.ln_2.weight', 'ln_f.bias']) {
        const fromFile = decode(safetensors, name);
        expect(randomTensorValues(layout, name), name).toEqual(fromFile);
      }
    });
  }

  it('draws weights ~ N(0, scale) and layernorms near, not at, 1 and 0', () => {
    const { safetensors } = make({ scale: 0.3, config: { ...SMALL, vocabSize: 2000 } });
    const wte = stats(decode(safetensors, 'wte.weight'));
    expect(Math.abs(wte.mean)).toBeLessThan(0.01);
    expect(wte.std).toBeGreaterThan(0.29);
    expect(wte.std).toBeLessThan(0.31);
    const gamma = decode(safetensors, 'h.0.ln_1.weight');
    expect(Math.abs(stats(gamma).mean - 1)).toBeLessThan(0.1);
    expect(gamma.every((g) => g !== 1)).toBe(true);
    expect(stats(gamma).std).toBeGreaterThan(0.05);
    const beta = decode(safetensors, 'h.0.ln_1.bias');
    expect(stats(beta).std).toBeGreaterThan(0.05);
    expect(decode(safetensors, 'h.0.ln_1.weight')).not.toEqual(
      decode(safetensors, 'h.1.ln_1.weight'),
    );
  });

  it('holds the same model with or without the prefix', () => {
    const plain = make({ seed: 3 }).safetensors;
    const prefixed = make({ seed: 3, prefix: true }).safetensors;
    expect(decode(prefixed, 'transformer.h.1.mlp.c_fc.weight')).toEqual(
      decode(plain, 'h.1.mlp.c_fc.weight'),
    );
  });

  it('writes lower-triangular causal masks and a tied lm_head', () => {
    const { safetensors } = make({ includeAttnBias: true, includeLmHead: true });
    const mask = decode(safetensors, 'h.1.attn.bias');
    expect(mask.length).toBe(100);
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 10; j++) expect(mask[i * 10 + j]).toBe(j <= i ? 1 : 0);
    }
    expect(decode(safetensors, 'lm_head.weight')).toEqual(decode(safetensors, 'wte.weight'));
  });

  it('shuffles the data order and leaves gaps when asked, with the same values', () => {
    const { safetensors, layout } = make({ shuffle: true, gapBytes: 6, dtype: 'F16' });
    const h = parseSafetensorsHeader(safetensors, safetensors.length);
    const byOffset = [...h.tensors.values()].sort((a, b) => a.begin - b.begin).map((t) => t.name);
    expect(byOffset).not.toEqual([...byOffset].sort());
    expect(Math.min(...[...h.tensors.values()].map((t) => t.begin))).toBe(6);
    expect(decode(safetensors, 'h.0.mlp.c_proj.weight')).toEqual(
      decode(make({ dtype: 'F16' }).safetensors, 'h.0.mlp.c_proj.weight'),
    );
    expect(layout.size).toBe(safetensors.length);
  });
});

describe('writeRandomCheckpoint', () => {
  it('writes the same bytes as makeRandomCheckpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpt2-ckpt-'));
    try {
      const opts: RandomCheckpointOptions = { config: SMALL, dtype: 'BF16', seed: 5, gapBytes: 3 };
      const layout = await writeRandomCheckpoint(join(dir, 'sub'), opts);
      const written = new Uint8Array(await readFile(join(dir, 'sub', 'model.safetensors')));
      expect(written.length).toBe(layout.size);
      expect(written).toEqual(makeRandomCheckpoint(opts).safetensors);
      const config = JSON.parse(await readFile(join(dir, 'sub', 'config.json'), 'utf8'));
      expect(parseGpt2Config(config)).toEqual(layout.config);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

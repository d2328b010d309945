import { describe, expect, it } from 'vitest';
import {
  GPT2_PRESETS,
  gpt2ConfigJson,
  gpt2ParameterCount,
  parseGpt2Config,
} from '../../src/model/config.ts';
import { ConfigError } from '../../src/model/errors.ts';

// config.json of openai-community/gpt2 as the hub serves it.
const GPT2_HUB = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  summary_activation: null,
  summary_first_dropout: 0.1,
  summary_proj_to_labels: true,
  summary_type: 'cls_index',
  summary_use_proj: true,
  task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
};

// distilbert/distilgpt2: older config, n_inner absent, extra fields.
const DISTILGPT2_HUB = {
  _num_labels: 1,
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  id2label: { '0': 'LABEL_0' },
  initializer_range: 0.02,
  label2id: { LABEL_0: 0 },
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 6,
  n_positions: 1024,
  resid_pdrop: 0.1,
  vocab_size: 50257,
};

const LLAMA_HUB = {
  architectures: ['LlamaForCausalLM'],
  hidden_act: 'silu',
  hidden_size: 4096,
  intermediate_size: 11008,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 32,
  rms_norm_eps: 1e-6,
  vocab_size: 32000,
};

function without(o: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

function configError(json: unknown): string {
  try {
    parseGpt2Config(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseGpt2Config', () => {
  it('reads the hub config of gpt2', () => {
    expect(parseGpt2Config(GPT2_HUB)).toEqual({
      nLayer: 12,
      nHead: 12,
      nEmbd: 768,
      nPositions: 1024,
      vocabSize: 50257,
      layerNormEpsilon: 1e-5,
      nInner: 3072,
    });
  });

  it('reads the hub config of distilgpt2', () => {
    expect(parseGpt2Config(DISTILGPT2_HUB)).toEqual({ ...GPT2_PRESETS.distilgpt2 });
  });

  it('falls back to n_ctx, the default epsilon, and honours n_inner', () => {
    const rest = without(GPT2_HUB, 'n_positions', 'layer_norm_epsilon');
    const c = parseGpt2Config({ ...rest, n_ctx: 512, n_inner: 1000 });
    expect(c.nPositions).toBe(512);
    expect(c.layerNormEpsilon).toBe(1e-5);
    expect(c.nInner).toBe(1000);
    expect(parseGpt2Config({ ...GPT2_HUB, n_inner: null }).nInner).toBe(3072);
    expect(parseGpt2Config({ ...GPT2_HUB, layer_norm_epsilon: 1e-6 }).layerNormEpsilon).toBe(1e-6);
  });

  it('refuses a llama config, naming its model_type', () => {
    expect(configError(LLAMA_HUB)).toMatch(/"llama" model, not GPT-2/);
  });

  it('refuses things that are not objects', () => {
    expect(configError(null)).toMatch(/must be a JSON object, found null/);
    expect(configError([1, 2])).toMatch(/found an array/);
    expect(configError('gpt2')).toMatch(/found the string "gpt2"/);
  });

  it('names missing and invalid fields', () => {
    expect(configError(without(GPT2_HUB, 'n_head'))).toMatch(/has no n_head/);
    expect(configError(without(GPT2_HUB, 'n_positions', 'n_ctx'))).toMatch(
      /has no n_positions \(or n_ctx\)/,
    );
    expect(configError({ ...GPT2_HUB, n_layer: 1.5 })).toMatch(
      /n_layer must be a positive integer, found number 1.5/,
    );
    expect(configError({ ...GPT2_HUB, vocab_size: '50257' })).toMatch(
      /vocab_size must be a positive integer/,
    );
    expect(configError({ ...GPT2_HUB, n_embd: 0 })).toMatch(/n_embd must be a positive integer/);
    expect(configError({ ...GPT2_HUB, layer_norm_epsilon: -1 })).toMatch(/layer_norm_epsilon/);
  });

  it('refuses n_embd not divisible by n_head', () => {
    expect(configError({ ...GPT2_HUB, n_embd: 770 })).toMatch(
      /n_embd \(770\) is not divisible by n_head \(12\)/,
    );
  });

  it('refuses heads larger than the attention kernel serves', () => {
    expect(configError({ ...GPT2_HUB, n_embd: 514, n_head: 2 })).toMatch(
      /heads of 257 channels \(n_embd 514 \/ n_head 2\) are larger than the 256/,
    );
    expect(() => parseGpt2Config({ ...GPT2_HUB, n_embd: 512, n_head: 2 })).not.toThrow();
  });

  it('refuses absurd sizes, alone and together', () => {
    expect(configError({ ...GPT2_HUB, n_layer: 1e6 })).toMatch(
      /n_layer = 1000000 is above the limit/,
    );
    expect(configError({ ...GPT2_HUB, vocab_size: 2 ** 40 })).toMatch(
      /vocab_size .* above the limit/,
    );
    expect(configError({ ...GPT2_HUB, n_positions: 1e9 })).toMatch(/n_positions/);
    // Each field within its cap, the product far too large.
    expect(configError({ ...GPT2_HUB, n_layer: 200, n_embd: 16384, n_head: 128 })).toMatch(
      /asks for \d+\.\d B parameters/,
    );
  });

  it('refuses GPT-2 variants it does not implement', () => {
    expect(configError({ ...GPT2_HUB, scale_attn_by_inverse_layer_idx: true })).toMatch(
      /scale_attn_by_inverse_layer_idx .* does not implement/,
    );
    expect(configError({ ...GPT2_HUB, reorder_and_upcast_attn: true })).toMatch(
      /reorder_and_upcast_attn/,
    );
    expect(configError({ ...GPT2_HUB, activation_function: 'relu' })).toMatch(
      /"relu" is not supported/,
    );
    // false is the default and fine.
    expect(parseGpt2Config({ ...GPT2_HUB, reorder_and_upcast_attn: false }).nLayer).toBe(12);
  });

  it('refuses switches that are not JSON booleans (Python would read 1 or "no" as on)', () => {
    expect(configError({ ...GPT2_HUB, scale_attn_by_inverse_layer_idx: 1 })).toMatch(
      /scale_attn_by_inverse_layer_idx must be true or false, found number 1/,
    );
    expect(configError({ ...GPT2_HUB, scale_attn_weights: 0 })).toMatch(
      /scale_attn_weights must be true or false, found number 0\. .* has scale_attn_weights: true/,
    );
    expect(configError({ ...GPT2_HUB, scale_attn_weights: false })).toMatch(
      /sets scale_attn_weights to false/,
    );
    expect(configError({ ...GPT2_HUB, add_cross_attention: 'no' })).toMatch(
      /add_cross_attention must be true or false, found the string "no"/,
    );
    expect(configError({ ...GPT2_HUB, scale_attn_weights: null })).toMatch(/found null/);
    expect(parseGpt2Config({ ...GPT2_HUB, scale_attn_weights: true }).nLayer).toBe(12);
  });
});

describe('presets', () => {
  it('count the parameters the model cards state', () => {
    // Independent values: sum of tensor sizes in each hub model.safetensors (masks excluded).
    expect(gpt2ParameterCount(GPT2_PRESETS.gpt2)).toBe(124_439_808);
    expect(gpt2ParameterCount(GPT2_PRESETS.distilgpt2)).toBe(81_912_576);
    expect(gpt2ParameterCount(GPT2_PRESETS['gpt2-medium'])).toBe(354_823_168);
    expect(gpt2ParameterCount(GPT2_PRESETS['gpt2-large'])).toBe(774_030_080);
    expect(gpt2ParameterCount(GPT2_PRESETS['gpt2-xl'])).toBe(1_557_611_200);
  });

  it('round-trip through the hub config format', () => {
    for (const [name, preset] of Object.entries(GPT2_PRESETS)) {
      expect(parseGpt2Config(gpt2ConfigJson(preset)), name).toEqual(preset);
    }
    expect(GPT2_PRESETS.tiny).toMatchObject({ nLayer: 2, nEmbd: 64, nHead: 2, nPositions: 128 });
  });
});

import { describe, expect, it } from 'vitest';
import { UsageError, httpUrlArg, idsArg, numberArg, parseArgs } from '../../src/cli/args.ts';
import { parseGenerateArgs } from '../../src/cli/generate-args.ts';

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

const BASE = ['--model', 'weights/tiny-trained', '--ids', '1'];

describe('generate flags, all checked before anything loads', () => {
  it('reads a full command line', () => {
    const a = parseGenerateArgs([
      '--model',
      'hf:openai-community/gpt2',
      '--ids',
      '464, 0,50256',
      '--max-tokens=7',
      '--temperature',
      '0.7',
      '--top-k',
      '40',
      '--top-p',
      '.9',
      '--seed',
      '12',
      '--f16',
      '--json',
      '--logits',
      '--hub-base',
      'http://127.0.0.1:9/',
    ]);
    expect(a).toMatchObject({
      ids: [464, 0, 50256],
      maxTokens: 7,
      settings: { temperature: 0.7, topK: 40, topP: 0.9, seed: 12 },
      f16: true,
      json: true,
      logits: true,
      hubBase: 'http://127.0.0.1:9/',
    });
  });

  it('picks the decode kernels by flag, else by GPT2_DECODE_KERNELS (for the conformance check)', () => {
    expect(parseGenerateArgs(BASE).pipeline).toBe(true);
    expect(parseGenerateArgs([...BASE, '--no-pipeline']).pipeline).toBe(false);
    expect(parseGenerateArgs(BASE).decodeKernels).toBeUndefined();
    expect(parseGenerateArgs([...BASE, '--decode-kernels', 'v2']).decodeKernels).toBe('v2');
    const env = { GPT2_DECODE_KERNELS: 'v2' };
    expect(parseGenerateArgs(BASE, env).decodeKernels).toBe('v2');
    // The flag wins over the environment.
    expect(parseGenerateArgs([...BASE, '--decode-kernels=v1'], env).decodeKernels).toBe('v1');
    expect(usageError(() => parseGenerateArgs([...BASE, '--decode-kernels', 'v3']))).toMatch(
      /--decode-kernels takes v1 \(the baselines\) or v2, not v3/,
    );
    expect(usageError(() => parseGenerateArgs(BASE, { GPT2_DECODE_KERNELS: 'fast' }))).toMatch(
      /GPT2_DECODE_KERNELS takes v1/,
    );
  });

  it('turns every bad flag into a UsageError naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--temperature', '-1'], /--temperature: temperature must be 0/],
      [['--temperature', 'NaN'], /--temperature must be a decimal number, got "NaN"/],
      [['--temperature', '0x10'], /--temperature must be a decimal number/],
      [['--top-p', '0'], /--top-p: topP must be a number in \(0, 1\]/],
      [['--top-p', '1.5'], /--top-p: topP/],
      [['--top-k', '-3'], /--top-k must be a whole number, got "-3"/],
      [['--top-k', '2.5'], /--top-k must be a whole number/],
      [['--seed', '4294967296'], /--seed: seed must be an integer from 0 to 4294967295/],
      [['--seed', '1e3'], /--seed must be a whole number/],
      [['--max-tokens', '0x10'], /--max-tokens must be a whole number/],
      [['--max-tokens', '100001'], /--max-tokens must be between 0 and 100000/],
      [['--hub-base', 'file:///etc'], /--hub-base must be an http:\/\/ or https:\/\/ URL/],
      [['--hub-base', 'huggingface.co'], /--hub-base must be an http/],
      [['--hub-base', 'javascript:alert(1)'], /--hub-base must be an http/],
      [['--logits'], /--logits needs --json/],
      [['--nope'], /unknown option --nope/],
      [['--toString'], /unknown option --toString/],
      [['--f16=yes'], /--f16 takes no value/],
      [['--seed'], /--seed needs a value/],
      [['stray'], /unexpected argument "stray"/],
    ];
    for (const [extra, want] of cases) {
      expect(
        usageError(() => parseGenerateArgs([...BASE, ...extra])),
        extra.join(' '),
      ).toMatch(want);
    }
    expect(usageError(() => parseGenerateArgs(['--ids', '1']))).toMatch(/--model is required/);
    expect(usageError(() => parseGenerateArgs(['--model', 'x/y']))).toMatch(/exactly one of/);
    expect(usageError(() => parseGenerateArgs(['--model', 'ftp://h/m', '--ids', '1']))).toMatch(
      /--model: .*only http:\/\/ and https:\/\/ URLs/,
    );
  });

  it('takes token ids only as plain decimal numbers the tokenizer knows', () => {
    for (const bad of ['0x10', '1e2', '-1', '1.0', '', ' ', '+3', '0b1', '1_0', 'Infinity']) {
      expect(
        usageError(() => idsArg(bad)),
        bad,
      ).toMatch(/is not a token id/);
    }
    expect(usageError(() => idsArg('1,,2'))).toMatch(/"" is not a token id/);
    expect(usageError(() => idsArg('50257', 50257))).toMatch(
      /50257 is outside the vocabulary \(0..50256\)/,
    );
    expect(idsArg(' 7 ,007')).toEqual([7, 7]);
    expect(usageError(() => parseGenerateArgs(['--model', 'x/y', '--ids', '0x10']))).toMatch(
      /"0x10" is not a token id/,
    );
    expect(usageError(() => parseGenerateArgs(['--model', 'x/y', '--ids', '60000']))).toMatch(
      /outside the vocabulary/,
    );
  });

  it('reads numbers strictly and URLs only over http(s)', () => {
    const args = parseArgs(['--n', ' 12 ', '--x', '-1.5e2'], { n: 'string', x: 'string' });
    expect(numberArg(args, 'n', 0, { integer: true })).toBe(12);
    expect(numberArg(args, 'x', 0)).toBe(-150);
    expect(httpUrlArg('b', 'https://hf-mirror.example/')).toBe('https://hf-mirror.example/');
  });
});

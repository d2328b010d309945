import { describe, expect, it } from 'vitest';
import { Gpt2Tokenizer } from '../../src/tokenizer/gpt2-tokenizer.ts';
import { StreamingTextDecoder } from '../../src/tokenizer/streaming-decoder.ts';

const tok = new Gpt2Tokenizer();

// Ids from the Hugging Face GPT-2 tokenizer (transformers.js's tokenizer tests for
// Xenova/gpt2, and the prompt of ../shared/conformance), independent of js-tiktoken.
const HUB_GOLDEN: ReadonlyArray<readonly [string, number[]]> = [
  ['Hello world', [15496, 995]],
  ['hello world', [31373, 995]],
  ['How are you doing?', [2437, 389, 345, 1804, 30]],
  ["You should've done this", [1639, 815, 1053, 1760, 428]],
  [
    'The quick brown fox jumps over the lazy dog.',
    [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13],
  ],
  [
    '0123456789 0 1 2 3 4 5 6 7 8 9 10 100 1000',
    [
      486, 1954, 2231, 3134, 4531, 657, 352, 362, 513, 604, 642, 718, 767, 807, 860, 838, 1802,
      8576,
    ],
  ],
  ['This\n\nis\na\ntest.', [1212, 198, 198, 271, 198, 64, 198, 9288, 13]],
  ['def main():\n\tpass', [4299, 1388, 33529, 198, 197, 6603]],
  [
    "A\n'll !!to?'d''d of, can't.",
    [32, 198, 1183, 37867, 1462, 8348, 67, 7061, 67, 286, 11, 460, 470, 13],
  ],
  ['   leading space', [220, 220, 3756, 2272]],
  ['trailing space   ', [9535, 4386, 2272, 220, 220, 220]],
  ['Hi  Hello', [17250, 220, 18435]],
  ['you\u2026  ', [5832, 1399, 220, 220]],
  ['1\u00002\uFFFD3', [16, 188, 17, 4210, 18]],
  ['UNwant\u00e9d,running', [4944, 42949, 2634, 67, 11, 20270]],
  // CJK whose characters split across tokens.
  ['生活的真谛是', [37955, 162, 112, 119, 21410, 40367, 253, 164, 108, 249, 42468]],
  [
    'test $1 R2 #3 €4 £5 ¥6 ₣7 ₹8 ₱9 test',
    [
      9288, 720, 16, 371, 17, 1303, 18, 10432, 19, 4248, 20, 38221, 21, 2343, 224, 96, 22, 2343,
      224, 117, 23, 2343, 224, 109, 24, 1332,
    ],
  ],
];

// Pinned from js-tiktoken's output and checked by hand where possible: 220 is the byte ' ',
// 198 '\n'; 🤗 is F0 9F A4 97 = 'ðŁ' (8582) + byte A4 (97) + byte 97 (245).
const PINNED: ReadonlyArray<readonly [string, number[]]> = [
  [' the', [262]],
  [' ', [220]],
  ['\n', [198]],
  ['\n\n', [628]],
  ['<|endoftext|>', [50256]],
  ['Hello<|endoftext|>world', [15496, 50256, 6894]],
  ['🤗', [8582, 97, 245]],
  ['👍🏽', [41840, 235, 8582, 237, 121]],
  ['你好世界', [19526, 254, 25001, 121, 10310, 244, 45911, 234]],
];

const ALL = [...HUB_GOLDEN, ...PINNED];

describe('Gpt2Tokenizer', () => {
  for (const [text, ids] of ALL) {
    it(`${JSON.stringify(text)} -> ${JSON.stringify(ids)} -> back`, () => {
      expect(tok.encode(text)).toEqual(ids);
      expect(tok.decode(ids)).toBe(text);
    });
  }

  it('round-trips mixed text', () => {
    const text = 'Résumé: 東京 🤗 naïve\r\n\t<|endoftext|>  x\u00a0y \uFEFFz 👍🏽 end';
    expect(tok.decode(tok.encode(text))).toBe(text);
    // A leading byte-order mark is text too, not something to drop.
    expect(tok.decode(tok.encode('\uFEFFhi'))).toBe('\uFEFFhi');
  });

  it('gives the raw bytes of a token', () => {
    expect([...tok.tokenBytes(15496)]).toEqual([...new TextEncoder().encode('Hello')]);
    expect([...tok.tokenBytes(220)]).toEqual([0x20]);
    expect([...tok.tokenBytes(97)]).toEqual([0xa4]);
    expect([...tok.tokenBytes(8582)]).toEqual([0xf0, 0x9f]);
    expect(new TextDecoder().decode(tok.tokenBytes(Gpt2Tokenizer.EOT))).toBe('<|endoftext|>');
  });

  it('has one byte token for each of the 256 bytes', () => {
    const singles = new Set<number>();
    for (let id = 0; id < 256; id++) {
      const b = tok.tokenBytes(id);
      expect(b.length).toBe(1);
      singles.add(b[0]);
    }
    expect(singles.size).toBe(256);
  });

  it('rejects ids outside the vocabulary with a RangeError naming the id', () => {
    for (const bad of [-1, 50257, 1e9, 1.5, NaN]) {
      expect(() => tok.tokenBytes(bad)).toThrow(RangeError);
      expect(() => tok.decode([15496, bad])).toThrow(RangeError);
    }
    expect(() => tok.decode([50257])).toThrow(/50257 is not a GPT-2 token id.*0 to 50256/);
    expect(tok.decode([50256])).toBe('<|endoftext|>');
  });

  it('shows how a prompt splits, with U+FFFD only for partial characters', () => {
    expect(tok.pieces('Hello world')).toEqual([
      { id: 15496, text: 'Hello' },
      { id: 995, text: ' world' },
    ]);
    expect(tok.pieces('生活的真谛是').map((p) => p.text)).toEqual([
      '生',
      '\uFFFD',
      '\uFFFD',
      '\uFFFD',
      '的',
      '\uFFFD',
      '\uFFFD',
      '\uFFFD',
      '\uFFFD',
      '\uFFFD',
      '是',
    ]);
    expect(tok.pieces('a<|endoftext|>\n\n')).toEqual([
      { id: 64, text: 'a' },
      { id: 50256, text: '<|endoftext|>' },
      { id: 628, text: '\n\n' },
    ]);
    expect(tok.pieces('🤗').every((p) => p.text.includes('\uFFFD'))).toBe(true);
  });
});

describe('StreamingTextDecoder', () => {
  function stream(ids: number[]): string[] {
    const d = new StreamingTextDecoder(tok);
    return [...ids.map((id) => d.push(id)), d.flush()];
  }

  for (const [text, ids] of ALL) {
    it(`streams ${JSON.stringify(text)} token by token without U+FFFD`, () => {
      const chunks = stream(ids);
      expect(chunks.join('')).toBe(tok.decode(ids));
      if (!text.includes('\uFFFD')) expect(chunks.some((c) => c.includes('\uFFFD'))).toBe(false);
    });
  }

  it('holds back a character until its last byte arrives', () => {
    const d = new StreamingTextDecoder(tok);
    expect(d.push(8582)).toBe('');
    expect(d.push(97)).toBe('');
    expect(d.push(245)).toBe('🤗');
    expect(d.push(995)).toBe(' world');
    expect(d.flush()).toBe('');
  });

  it('emits U+FFFD for an unfinished character only on flush, then starts afresh', () => {
    const d = new StreamingTextDecoder(tok);
    expect(d.push(15496)).toBe('Hello');
    expect(d.push(8582)).toBe('');
    expect(d.flush()).toBe('\uFFFD');
    expect(d.push(995)).toBe(' world');
    expect(stream([8582, 995])).toEqual(['', '\uFFFD world', '']);
    expect(stream([8582, 995]).join('')).toBe(tok.decode([8582, 995]));
  });

  it('streams a long mixed text to the same string as decode', () => {
    const text = '你好世界 🤗👍🏽 生活的真谛是 Hello world\n\n<|endoftext|>Résumé ₹8';
    const ids = tok.encode(text);
    const chunks = stream(ids);
    expect(chunks.join('')).toBe(text);
    expect(chunks.some((c) => c.includes('\uFFFD'))).toBe(false);
  });

  it('rejects invalid ids', () => {
    const d = new StreamingTextDecoder(tok);
    expect(() => d.push(50257)).toThrow(RangeError);
    expect(() => d.push(-3)).toThrow(RangeError);
  });
});

/**
 * GPT-2's byte-level BPE (the vocabulary of the `gpt2` checkpoints on the Hugging Face hub),
 * through js-tiktoken's encoder and rank table rather than a hand-written BPE.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';

/** One token of a prompt as shown to a person. */
export interface TokenPiece {
  id: number;
  /** The token's text; U+FFFD where it holds only part of a multi-byte character. */
  text: string;
}

const END_OF_TEXT = '<|endoftext|>';

/**
 * Every token's bytes in one buffer, token `id` at offsets[id] .. offsets[id + 1]: two
 * objects rather than 50k small arrays, which every garbage collection of the page would
 * otherwise trace. Built on first use and shared: unpacking 50k tokens takes a moment.
 */
interface TokenByteTable {
  bytes: Uint8Array;
  offsets: Uint32Array;
}
let tokenTable: TokenByteTable | undefined;
/** Each token's own text, decoded on first use: a run decodes ~10 candidates per token. */
let tokenTexts: (string | undefined)[] | undefined;
/**
 * The BPE encoder, built on the first encode and shared by every instance: building it takes
 * ~0.5 s on a laptop, a frozen page if a view made its own tokenizer mid-run to decode text.
 */
let sharedBpe: Tiktoken | undefined;

export class Gpt2Tokenizer {
  /** `<|endoftext|>`: separates documents; GPT-2 has no other special token. */
  static readonly EOT = 50256;
  /** Token ids are 0 .. VOCAB_SIZE - 1. */
  static readonly VOCAB_SIZE = 50257;

  private readonly table: TokenByteTable;
  private readonly texts: (string | undefined)[];
  // ignoreBOM: a token holding the bytes EF BB BF is text like any other, not a marker to drop.
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor() {
    tokenTable ??= tokenByteTable();
    tokenTexts ??= new Array<string | undefined>(Gpt2Tokenizer.VOCAB_SIZE);
    this.table = tokenTable;
    this.texts = tokenTexts;
  }

  /**
   * Token ids of `text`. `<|endoftext|>` anywhere in it becomes EOT, as the hub tokenizer
   * treats it (an added special token), rather than the seven ordinary tokens it spells.
   */
  encode(text: string): number[] {
    sharedBpe ??= new Tiktoken(gpt2Ranks);
    return sharedBpe.encode(text, 'all');
  }

  /** The text of `ids`: their bytes joined, then decoded as UTF-8 (invalid bytes become U+FFFD). */
  decode(ids: readonly number[]): string {
    if (ids.length === 1) return this.tokenText(ids[0]);
    const parts = ids.map((id) => this.tokenBytes(id));
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    return this.utf8.decode(joined);
  }

  /** One token's own text (U+FFFD where it holds part of a multi-byte character). */
  tokenText(id: number): string {
    return this.texts[id] ?? (this.texts[id] = this.utf8.decode(this.tokenBytes(id)));
  }

  /** The raw bytes of one token (a view: do not modify). */
  tokenBytes(id: number): Uint8Array {
    const { bytes, offsets } = this.table;
    if (!Number.isInteger(id) || id < 0 || id >= Gpt2Tokenizer.VOCAB_SIZE) {
      throw new RangeError(
        `${id} is not a GPT-2 token id: ids are integers from 0 to ${Gpt2Tokenizer.VOCAB_SIZE - 1}`,
      );
    }
    return bytes.subarray(offsets[id], offsets[id + 1]);
  }

  /** How `text` splits into tokens, with each token's own text. */
  pieces(text: string): TokenPiece[] {
    return this.encode(text).map((id) => ({ id, text: this.tokenText(id) }));
  }
}

/** Unpacks js-tiktoken's rank table (lines of `name offset base64 base64 ...`) into bytes per id. */
function tokenByteTable(): TokenByteTable {
  const table: Uint8Array[] = new Array<Uint8Array>(Gpt2Tokenizer.VOCAB_SIZE);
  for (const line of gpt2Ranks.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offset, ...tokens] = line.split(' ');
    const first = Number.parseInt(offset, 10);
    tokens.forEach((b64, i) => (table[first + i] = base64Bytes(b64)));
  }
  for (const [text, id] of Object.entries(gpt2Ranks.special_tokens)) {
    table[id] = new TextEncoder().encode(text);
  }
  const missing = table.findIndex((b) => b === undefined);
  if (
    table.length !== Gpt2Tokenizer.VOCAB_SIZE ||
    missing >= 0 ||
    table[Gpt2Tokenizer.EOT] === undefined
  ) {
    throw new Error(
      `js-tiktoken's GPT-2 table is not the 50257-token GPT-2 vocabulary (first gap at ${missing}); ` +
        'check the installed js-tiktoken version.',
    );
  }
  if (new TextDecoder().decode(table[Gpt2Tokenizer.EOT]) !== END_OF_TEXT) {
    throw new Error(
      `js-tiktoken's GPT-2 table does not map ${Gpt2Tokenizer.EOT} to ${END_OF_TEXT}`,
    );
  }
  const offsets = new Uint32Array(table.length + 1);
  table.forEach((b, id) => (offsets[id + 1] = offsets[id] + b.length));
  const bytes = new Uint8Array(offsets[table.length]);
  table.forEach((b, id) => bytes.set(b, offsets[id]));
  return { bytes, offsets };
}

function base64Bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

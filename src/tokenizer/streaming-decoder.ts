import type { Gpt2Tokenizer } from './gpt2-tokenizer.ts';

/**
 * Turns token ids into text one token at a time, as they are generated. A character whose
 * UTF-8 bytes are spread over several tokens (most emoji, many CJK characters) is held back
 * until its last byte arrives, so no U+FFFD appears mid-stream; the concatenation of every
 * push and the final flush equals `tokenizer.decode(allIds)`.
 */
export class StreamingTextDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly tokenizer: Gpt2Tokenizer) {}

  /** The text completed by this token (possibly ''). Throws RangeError for an invalid id. */
  push(id: number): string {
    return this.utf8.decode(this.tokenizer.tokenBytes(id), { stream: true });
  }

  /** Whatever is held back (an unfinished character becomes U+FFFD); the decoder starts afresh. */
  flush(): string {
    return this.utf8.decode();
  }
}

/**
 * The text of each of `ids[from..]` as a StreamingTextDecoder gives it after `ids[..from]`
 * (so a token after a branch decodes as it would have in one run).
 */
export function tokenTexts(tokenizer: Gpt2Tokenizer, ids: readonly number[], from = 0): string[] {
  const decoder = new StreamingTextDecoder(tokenizer);
  for (const id of ids.slice(0, from)) decoder.push(id);
  return ids.slice(from).map((id) => decoder.push(id));
}

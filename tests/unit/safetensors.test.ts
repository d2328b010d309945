import { describe, expect, it } from 'vitest';
import { WeightsFormatError } from '../../src/model/errors.ts';
import {
  MAX_HEADER_BYTES,
  MAX_RANK,
  MAX_TENSORS,
  MAX_UNUSED_DATA_BYTES,
  headerBytesNeeded,
  parseSafetensorsHeader,
} from '../../src/model/safetensors.ts';

/** A file: u64 LE length, the header text, then `dataBytes` bytes. */
function file(header: string | object, dataBytes: number): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

function parse(bytes: Uint8Array, size = bytes.length) {
  return parseSafetensorsHeader(bytes, size);
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

const VALID = {
  __metadata__: { format: 'pt' },
  'wte.weight': { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] },
  'h.0.ln_1.bias': { dtype: 'F16', shape: [5], data_offsets: [24, 34] },
  scalar: { dtype: 'BF16', shape: [], data_offsets: [36, 38] }, // 2-byte gap before it
  empty: { dtype: 'F32', shape: [4, 0], data_offsets: [38, 38] },
};

describe('parseSafetensorsHeader', () => {
  it('reads a valid header', () => {
    const bytes = file(VALID, 40);
    const h = parse(bytes);
    const headerLen = JSON.stringify(VALID).length;
    expect(headerBytesNeeded(bytes.subarray(0, 8))).toBe(8 + headerLen);
    expect(h.dataOffset).toBe(8 + headerLen);
    expect(h.dataBytes).toBe(40);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect([...h.tensors.keys()]).toEqual(['wte.weight', 'h.0.ln_1.bias', 'scalar', 'empty']);
    expect(h.tensors.get('wte.weight')).toEqual({
      name: 'wte.weight',
      dtype: 'F32',
      shape: [3, 2],
      elements: 6,
      begin: 0,
      end: 24,
    });
    expect(h.tensors.get('scalar')).toMatchObject({ elements: 1, begin: 36, end: 38 });
    expect(h.tensors.get('empty')).toMatchObject({ elements: 0 });
  });

  it('needs only the header bytes, not the data', () => {
    const bytes = file(VALID, 40);
    const n = headerBytesNeeded(bytes.subarray(0, 8), bytes.length);
    expect(parse(bytes.slice(0, n), bytes.length).tensors.size).toBe(4);
  });

  it('refuses a file truncated inside the data', () => {
    const bytes = file(VALID, 40);
    expect(formatError(() => parse(bytes, bytes.length - 10))).toMatch(
      /tensor "h.0.ln_1.bias" ends at byte 34 of the data section, which has only 30 bytes/,
    );
  });

  it('refuses a file truncated inside the header', () => {
    const bytes = file(VALID, 40);
    expect(formatError(() => parse(bytes.subarray(0, 20), bytes.length))).toMatch(
      /header needs \d+ bytes but only 20 were read: the file is truncated/,
    );
    expect(formatError(() => headerBytesNeeded(bytes.subarray(0, 5)))).toMatch(/only 5 bytes long/);
  });

  it('refuses a header length past the end of the file', () => {
    const bytes = file(VALID, 0);
    new DataView(bytes.buffer).setUint32(0, bytes.length, true);
    expect(formatError(() => parse(bytes))).toMatch(
      new RegExp(
        `declares a ${bytes.length}-byte header but the whole file is ${bytes.length} bytes`,
      ),
    );
  });

  it('refuses an absurd header length', () => {
    const bytes = file(VALID, 0);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(formatError(() => headerBytesNeeded(bytes.subarray(0, 8)))).toMatch(
      new RegExp(`declares a 1099511627776-byte header, above the ${MAX_HEADER_BYTES}-byte limit`),
    );
    new DataView(bytes.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    expect(formatError(() => parse(bytes, 2 ** 40))).toMatch(
      new RegExp(`above the ${MAX_HEADER_BYTES}-byte limit`),
    );
  });

  it('refuses invalid JSON and JSON that is not an object', () => {
    expect(formatError(() => parse(file('{"wte.weight": {', 0)))).toMatch(
      /header is not valid UTF-8 JSON/,
    );
    expect(formatError(() => parse(file('[1, 2]', 0)))).toMatch(/must be a JSON object/);
    const bad = file('{"a":1}', 0);
    bad[9] = 0xff; // not UTF-8
    expect(formatError(() => parse(bad))).toMatch(/not valid UTF-8 JSON/);
  });

  it('refuses overlapping tensors', () => {
    const header = {
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] },
    };
    expect(formatError(() => parse(file(header, 20)))).toMatch(
      /tensors "a" \[0, 16\) and "b" \[12, 20\) overlap/,
    );
  });

  it('refuses out-of-range and malformed offsets', () => {
    const far = { a: { dtype: 'F32', shape: [4], data_offsets: [100, 116] } };
    expect(formatError(() => parse(file(far, 20)))).toMatch(
      /tensor "a" ends at byte 116 of the data section, which has only 20 bytes/,
    );
    const reversed = { a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } };
    expect(formatError(() => parse(file(reversed, 20)))).toMatch(
      /data_offsets must be \[begin, end\]/,
    );
    const negative = { a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } };
    expect(formatError(() => parse(file(negative, 20)))).toMatch(/tensor "a": data_offsets/);
    const missing = { a: { dtype: 'F32', shape: [1] } };
    expect(formatError(() => parse(file(missing, 20)))).toMatch(/found undefined/);
  });

  it('refuses a shape that does not match the byte range', () => {
    const header = {
      'h.0.attn.c_attn.weight': { dtype: 'F16', shape: [2, 3], data_offsets: [0, 24] },
    };
    expect(formatError(() => parse(file(header, 24)))).toMatch(
      /tensor "h.0.attn.c_attn.weight": shape \[2, 3\] of F16 needs 12 bytes, but data_offsets span 24 bytes/,
    );
    const huge = { a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } };
    expect(formatError(() => parse(file(huge, 4)))).toMatch(/needs more than the whole file/);
    const badShape = { a: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 4] } };
    expect(formatError(() => parse(file(badShape, 4)))).toMatch(
      /shape must be an array of non-negative integers/,
    );
  });

  it('refuses dtypes other than F32, F16, BF16, naming tensor and dtype', () => {
    const header = { 'h.0.attn.bias': { dtype: 'I64', shape: [2], data_offsets: [0, 16] } };
    expect(formatError(() => parse(file(header, 16)))).toMatch(
      /tensor "h.0.attn.bias" has dtype I64; only F32, F16 and BF16 are supported/,
    );
  });

  it('explains a Git LFS pointer served instead of the file', () => {
    const pointer = new TextEncoder().encode(
      'version https://git-lfs.github.com/spec/v1\n' +
        'oid sha256:248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707\n' +
        'size 548105171\n',
    );
    expect(formatError(() => parse(pointer))).toMatch(/is a Git LFS pointer file/);
    expect(formatError(() => headerBytesNeeded(pointer.subarray(0, 8)))).toMatch(/git lfs pull/);
  });

  it('explains an HTML page served instead of the file', () => {
    const page = new TextEncoder().encode('<!DOCTYPE html><html><body>Not found</body></html>');
    expect(formatError(() => parse(page))).toMatch(/is an HTML page/);
    const indented = new TextEncoder().encode('\n  <html>');
    expect(formatError(() => headerBytesNeeded(indented))).toMatch(/is an HTML page/);
  });

  it('reads a valid file whose header length has a "<" byte in it (not an HTML page)', () => {
    // 15392 = 0x3C20 and 15520 = 0x3CA0: the first two bytes read as " <" and "\u00a0<".
    for (const length of [15392, 15520, 0x3c3c]) {
      const text = JSON.stringify(VALID);
      const bytes = file(text.padEnd(length, ' '), 40);
      expect(headerBytesNeeded(bytes.subarray(0, 8))).toBe(8 + length);
      expect(parse(bytes).tensors.size, String(length)).toBe(4);
    }
  });

  it('still names a web page whose first bytes make a plausible length, once the JSON fails', () => {
    // "<p>" then five NULs reads as a 4092988-byte header, under the limit: only the JSON
    // parse shows it is not a header.
    const start = '<p>\u0000\u0000\u0000\u0000\u0000';
    const page = new TextEncoder().encode(start.padEnd(8 + 0x3e703c, 'x'));
    expect(formatError(() => parse(page))).toMatch(/is an HTML page/);
  });

  it('copies only the format key of __metadata__', () => {
    const meta: Record<string, string> = { format: 'pt' };
    for (let i = 0; i < 1000; i++) meta[`k${i}`] = 'v';
    const h = parse(file({ ...VALID, __metadata__: meta }, 40));
    expect(h.metadata).toEqual({ format: 'pt' });
  });

  it('bounds the number of tensors and the rank of a shape', () => {
    const many: Record<string, object> = {};
    for (let i = 0; i <= MAX_TENSORS; i++) {
      many[`t${i}`] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
    }
    expect(formatError(() => parse(file(many, 0)))).toMatch(
      new RegExp(`lists more than ${MAX_TENSORS} tensors`),
    );
    const deep = {
      t: { dtype: 'F32', shape: new Array(MAX_RANK + 1).fill(1), data_offsets: [0, 4] },
    };
    expect(formatError(() => parse(file(deep, 4)))).toMatch(
      new RegExp(`shape has ${MAX_RANK + 1} dimensions, more than the ${MAX_RANK}`),
    );
  });

  it('quotes a short excerpt of a huge name or dtype, never the whole string', () => {
    const long = 'x'.repeat(1_000_000);
    const m1 = formatError(() =>
      parse(file({ t: { dtype: long, shape: [1], data_offsets: [0, 4] } }, 4)),
    );
    expect(m1).toMatch(/has dtype x+…; only F32/);
    expect(m1.length).toBeLessThan(400);
    const m2 = formatError(() => parse(file({ [long]: { dtype: 'I8' } }, 4)));
    expect(m2).toMatch(/tensor "x+…" has no dtype|tensor "x+…" has dtype/);
    expect(m2.length).toBeLessThan(400);
  });

  it('describes deeply nested shapes and offsets without overflowing the stack', () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    for (const field of ['shape', 'data_offsets']) {
      const other = field === 'shape' ? '"data_offsets":[0,4]' : '"shape":[1]';
      const text = `{"t":{"dtype":"F32",${other},"${field}":${nested(100_000)}}}`;
      const m = formatError(() => parse(file(text, 4)));
      expect(m).toMatch(field === 'shape' ? /found \[\[…\]\]/ : /found \[\[…\]\]/);
      expect(m.length).toBeLessThan(400);
    }
  });

  it('refuses a declared size far beyond what the tensors cover', () => {
    const bytes = file(VALID, 40);
    expect(parse(bytes, bytes.length + MAX_UNUSED_DATA_BYTES - 4).tensors.size).toBe(4);
    expect(formatError(() => parse(bytes, 2 ** 31))).toMatch(
      /tensors cover only 36 of them: the size the file's source declared does not match/,
    );
  });
});

/**
 * PCG32 (O'Neill's pcg32_random_r: 64-bit LCG state, XSH RR output), seeded as
 * `pcg32_srandom_r(seed, stream)`. Integer arithmetic only (BigInt for the 64-bit state), so
 * a seed gives the same sequence on every run, browser and platform; the sequence equals
 * the reference C implementation's (pcg32_srandom_r(42, 54) starts 0xa15c02b7, 0x7b47f409).
 * Speed is no concern: the generation loop draws one number per sampled token.
 */

const MULTIPLIER = 6364136223846793005n;
const MASK64 = (1n << 64n) - 1n;
/** The stream of the PCG reference demo; any fixed value would do. */
export const DEFAULT_STREAM = 54;

/** A generator's full state, JSON-safe (64-bit values as hex strings). */
export interface RngState {
  state: string;
  inc: string;
}

export class Rng {
  private state = 0n;
  private inc = 1n;

  constructor(seed: number, stream: number = DEFAULT_STREAM) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Rng seed must be an integer from 0 to 4294967295, got ${seed}`);
    }
    if (!Number.isSafeInteger(stream) || stream < 0) {
      throw new RangeError(`Rng stream must be a non-negative safe integer, got ${stream}`);
    }
    this.inc = ((BigInt(stream) << 1n) | 1n) & MASK64;
    this.nextU32();
    this.state = (this.state + BigInt(seed)) & MASK64;
    this.nextU32();
  }

  /** The next 32-bit output, as a number in [0, 2^32). */
  nextU32(): number {
    const old = this.state;
    this.state = (old * MULTIPLIER + this.inc) & MASK64;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }

  /** A uniform draw in [0, 1) with 53 random bits (two 32-bit outputs, as numpy does). */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  save(): RngState {
    return { state: hex64(this.state), inc: hex64(this.inc) };
  }

  /** Continues exactly where the generator that produced `saved` was. */
  static restore(saved: RngState): Rng {
    const rng = new Rng(0);
    rng.state = parseHex64(saved.state, 'state');
    rng.inc = parseHex64(saved.inc, 'inc');
    if ((rng.inc & 1n) === 0n) throw new RangeError('Rng state: inc must be odd');
    return rng;
  }
}

function hex64(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

function parseHex64(s: string, field: string): bigint {
  if (typeof s !== 'string' || !/^[0-9a-f]{1,16}$/i.test(s)) {
    throw new RangeError(`Rng state: ${field} must be up to 16 hex digits, got ${String(s)}`);
  }
  return BigInt(`0x${s}`);
}

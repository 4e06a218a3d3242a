/**
 * A cyclic redundancy check in the reflected form (least significant bit first), whose
 * initial value equals its final xor: CRC-32C and CRC-64/NVME are such. For these,
 * `crc(A || B) = crc(A) · x^(8·|B|) mod P  xor  crc(B)`, so the value of a file follows
 * from the values of its chunks and their lengths, whatever order they arrived in.
 */
export interface CrcModel {
  /** Bits in a value: 32 or 64. */
  readonly width: 32 | 64;
  /**
   * The generator polynomial without its `x^width` term, in reflected bit order (the
   * coefficient of `x^0` is the most significant bit), as hex: `82f63b78` for CRC-32C.
   */
  readonly reflectedPolynomial: string;
}

/**
 * A value modulo the polynomial, in two 32-bit halves: `high` is zero for a 32-bit CRC.
 * Plain numbers, because BigInt arithmetic costs several times more per step (see
 * docs/benchmarks.md).
 */
interface Word {
  readonly high: number;
  readonly low: number;
}

/**
 * Multiplication by one fixed value, a nibble at a time: for the n-th nibble of the
 * other factor (from the coefficient of x^0 on), entry `n * 16 + nibble` holds the
 * product with that nibble alone. 16 lookups instead of 32 or 64 shift-and-add steps.
 */
interface Multiplier {
  readonly high: Uint32Array;
  readonly low: Uint32Array;
}

/** Lengths whose shift is kept (2 KiB each at most): chunks mostly share one length, and the last differs. */
const CACHED_SHIFTS = 64;

/**
 * Combines CRC values of consecutive byte strings into the value of their
 * concatenation, in O(log length) per step: polynomial arithmetic over GF(2) modulo the
 * model's generator. Build one per model and keep it: it holds the powers of x it needs.
 */
export class CrcCombiner {
  private readonly polynomial: Word;
  /** `powers[k]` is x^(8·2^k) mod P: shifting by 2^k bytes. */
  private readonly powers: Word[] = [];
  private readonly shifts = new Map<number, Multiplier>();

  constructor(readonly model: CrcModel) {
    const hex = model.reflectedPolynomial.padStart(model.width / 4, '0');
    this.polynomial = model.width === 64 ? { high: parseHex(hex.slice(0, 8)), low: parseHex(hex.slice(8)) } : { high: 0, low: parseHex(hex) };
    // x^8: the coefficient of x^i sits at bit width-1-i.
    let power: Word = model.width === 64 ? { high: 1 << 23, low: 0 } : { high: 0, low: 1 << 23 };
    // Lengths up to 2^53 bytes: every safe integer.
    for (let k = 0; k < 53; k += 1) {
      this.powers.push(power);
      power = this.multiply(power, power);
    }
  }

  /** The value over nothing: an empty string's CRC. */
  get empty(): string {
    return formatWord({ high: 0, low: 0 }, this.model.width);
  }

  /**
   * The CRC of `A || B` from the CRC of `A`, the CRC of `B` and the length of `B` in
   * bytes; values are lowercase hex of `width / 4` digits, as hash-wasm writes them.
   *
   * @throws {RangeError} for a length that is not a safe non-negative integer, or a value that is not hex of the model's width.
   */
  combine(first: string, second: string, secondLength: number): string {
    const shifted = this.multiplyBy(this.shift(secondLength), this.parse(first));
    const b = this.parse(second);
    return formatWord({ high: (shifted.high ^ b.high) >>> 0, low: (shifted.low ^ b.low) >>> 0 }, this.model.width);
  }

  /**
   * Multiplication by x^(8·length) mod P, the power found by square-and-multiply over the
   * powers of x; kept for the lengths seen last.
   */
  private shift(length: number): Multiplier {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`Not a byte length: ${length}`);
    const known = this.shifts.get(length);
    if (known !== undefined) return known;
    // x^0 = 1: the most significant bit.
    let power: Word = this.model.width === 64 ? { high: 0x80000000, low: 0 } : { high: 0, low: 0x80000000 };
    for (let k = 0, rest = length; rest > 0; k += 1, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 1) power = this.multiply(power, this.powers[k]!);
    }
    const multiplier = this.multiplier(power);
    if (this.shifts.size >= CACHED_SHIFTS) this.shifts.clear();
    this.shifts.set(length, multiplier);
    return multiplier;
  }

  /** The nibble tables of multiplication by `factor`: its products with x^i, then their sums. */
  private multiplier(factor: Word): Multiplier {
    const size = (this.model.width / 4) * 16;
    const high = new Uint32Array(size);
    const low = new Uint32Array(size);
    let product = factor;
    for (let i = 0; i < this.model.width; i += 1) {
      // x^i is nibble i/4, and within it the bit 3 - i%4 (reflected order).
      const entry = (i >> 2) * 16 + (1 << (3 - (i & 3)));
      high[entry] = product.high;
      low[entry] = product.low;
      product = this.timesX(product);
    }
    for (let base = 0; base < size; base += 16) {
      for (let nibble = 3; nibble < 16; nibble += 1) {
        const lowest = nibble & -nibble;
        if (lowest === nibble) continue;
        high[base + nibble] = (high[base + lowest]! ^ high[base + (nibble ^ lowest)]!) >>> 0;
        low[base + nibble] = (low[base + lowest]! ^ low[base + (nibble ^ lowest)]!) >>> 0;
      }
    }
    return { high, low };
  }

  /** `multiplier`'s factor times `a`, mod P. */
  private multiplyBy(multiplier: Multiplier, a: Word): Word {
    const first = this.model.width === 64 ? a.high : a.low;
    let high = 0;
    let low = 0;
    for (let n = 0; n < this.model.width / 4; n += 1) {
      const entry = n * 16 + (((n < 8 ? first : a.low) >>> (28 - 4 * (n & 7))) & 15);
      high ^= multiplier.high[entry]!;
      low ^= multiplier.low[entry]!;
    }
    return { high: high >>> 0, low: low >>> 0 };
  }

  /** `b · x mod P`: a right shift in reflected order, reduced by P when x^width appears. */
  private timesX(b: Word): Word {
    const carry = b.low & 1;
    const low = ((b.low >>> 1) | ((b.high & 1) << 31)) >>> 0;
    const high = b.high >>> 1;
    return carry === 0 ? { high, low } : { high: (high ^ this.polynomial.high) >>> 0, low: (low ^ this.polynomial.low) >>> 0 };
  }

  /**
   * `a · b mod P`: for each coefficient of `a`, from x^0 up, add `b` when it is set, then
   * multiply `b` by x (a right shift in reflected order, reduced by P when x^width appears).
   */
  private multiply(a: Word, b: Word): Word {
    const { high: polyHigh, low: polyLow } = this.polynomial;
    let high = 0;
    let low = 0;
    let bHigh = b.high;
    let bLow = b.low;
    const width = this.model.width;
    const first = width === 64 ? a.high : a.low;
    for (let i = 0; i < width; i += 1) {
      const half = i < 32 ? first : a.low;
      if (((half >>> (31 - (i & 31))) & 1) !== 0) {
        high ^= bHigh;
        low ^= bLow;
      }
      const carry = bLow & 1;
      bLow = (bLow >>> 1) | ((bHigh & 1) << 31);
      bHigh >>>= 1;
      if (carry !== 0) {
        bHigh ^= polyHigh;
        bLow ^= polyLow;
      }
    }
    return { high: high >>> 0, low: low >>> 0 };
  }

  private parse(value: string): Word {
    const digits = this.model.width / 4;
    if (value.length !== digits || !/^[0-9a-f]+$/i.test(value)) throw new RangeError(`Not a ${this.model.width}-bit CRC: ${value}`);
    return digits === 16 ? { high: parseHex(value.slice(0, 8)), low: parseHex(value.slice(8)) } : { high: 0, low: parseHex(value) };
  }
}

function parseHex(hex: string): number {
  return Number.parseInt(hex, 16) >>> 0;
}

function formatWord(word: Word, width: 32 | 64): string {
  const low = word.low.toString(16).padStart(8, '0');
  return width === 64 ? word.high.toString(16).padStart(8, '0') + low : low;
}

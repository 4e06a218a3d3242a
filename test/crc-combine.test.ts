import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combinerOf, inThreadHashers, type ChecksumAlgorithm } from '@frago/core';
import { bitwiseCrc32c, bitwiseCrc64nvme } from './support/bitwise-crc.js';

const ORACLES: Array<[ChecksumAlgorithm, (bytes: Uint8Array) => string]> = [
  ['crc32c', bitwiseCrc32c],
  ['crc64nvme', bitwiseCrc64nvme],
];

const concat = (parts: readonly Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

async function hashWasmValue(algorithm: ChecksumAlgorithm, bytes: Uint8Array): Promise<string> {
  const job = await inThreadHashers.open(algorithm, null);
  await job.update(bytes);
  return job.digest();
}

describe.each(ORACLES)('%s', (algorithm, oracle) => {
  const combiner = combinerOf(algorithm)!;

  it('matches the catalogue check value of "123456789", computed by hash-wasm and bit by bit', async () => {
    const check = new TextEncoder().encode('123456789');
    const expected = algorithm === 'crc32c' ? 'e3069283' : 'ae8b14860a799888';
    expect(oracle(check)).toBe(expected);
    expect(await hashWasmValue(algorithm, check)).toBe(expected);
  });

  it('combines the values of any parts, empty ones included, into the value of their concatenation', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 0, maxLength: 8 }), (parts) => {
        let value = combiner.empty;
        for (const part of parts) value = combiner.combine(value, oracle(part), part.length);
        expect(value).toBe(oracle(concat(parts)));
      }),
    );
  });

  it('combines a pair whatever their lengths, and an empty part changes nothing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 2000 }), (first, second) => {
        const combined = combiner.combine(oracle(first), oracle(second), second.length);
        expect(combined).toBe(oracle(concat([first, second])));
        expect(combiner.combine(combined, oracle(new Uint8Array(0)), 0)).toBe(combined);
        expect(combiner.combine(combiner.empty, combined, first.length + second.length)).toBe(combined);
      }),
    );
  });

  it('is the value of a 0-byte file when nothing is combined', () => {
    expect(combiner.empty).toBe(oracle(new Uint8Array(0)));
  });

  it('shifts by lengths far beyond a chunk: a run of zero bytes appended by its length alone', () => {
    // CRC(A || zeros(n)) for a large n, checked against the oracle at a size it can run.
    const head = new TextEncoder().encode('frago');
    const zeros = new Uint8Array(100_000);
    expect(combiner.combine(oracle(head), oracle(zeros), zeros.length)).toBe(oracle(concat([head, zeros])));
  });

  it('refuses a length that is not a byte count and a value of the wrong width', () => {
    expect(() => combiner.combine(combiner.empty, combiner.empty, -1)).toThrow(RangeError);
    expect(() => combiner.combine(combiner.empty, combiner.empty, 1.5)).toThrow(RangeError);
    expect(() => combiner.combine('abc', combiner.empty, 1)).toThrow(RangeError);
  });
});

it('has no combiner for a hash that does not combine', () => {
  expect(combinerOf('md5')).toBeUndefined();
  expect(combinerOf('xxhash64')).toBeUndefined();
});

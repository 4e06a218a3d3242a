import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatContentRange, isFragoError, parseContentRange } from '@frago/core';

const MAX = Number.MAX_SAFE_INTEGER;
const validRange = fc
  .tuple(fc.integer({ min: 0, max: MAX - 1 }), fc.integer({ min: 0, max: MAX - 1 }), fc.integer({ min: 1, max: MAX }))
  .map(([a, b, t]) => {
    const total = Math.max(t, Math.max(a, b) + 1);
    return { start: Math.min(a, b), end: Math.max(a, b), total };
  });

describe('parseContentRange', () => {
  it('round-trips every valid range', () => {
    fc.assert(
      fc.property(validRange, (range) => {
        expect(parseContentRange(formatContentRange(range))).toEqual(range);
      }),
    );
  });

  it('either refuses with INVALID_RANGE or returns a range inside the file, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^bytes \d{0,20}-\d{0,20}\/\d{0,20}$/)), (header) => {
        try {
          const { start, end, total } = parseContentRange(header);
          expect(Number.isSafeInteger(start) && Number.isSafeInteger(end) && Number.isSafeInteger(total)).toBe(true);
          expect(0 <= start && start <= end && end < total).toBe(true);
        } catch (error) {
          expect(isFragoError(error, 'INVALID_RANGE')).toBe(true);
        }
      }),
    );
  });

  it('refuses numbers beyond the safe integers, reversed and out-of-file ranges', () => {
    for (const header of [
      `bytes 0-${MAX + 1}/${MAX + 2}`,
      'bytes 0-9007199254740993/9007199254740994',
      'bytes 5-4/10',
      'bytes 0-10/10',
      'bytes 0-0/0',
      'bytes */10',
      'bytes 0-9/*',
      'bytes=0-9/10',
      'bytes 00-9/10x',
      ' bytes -1-9/10',
      'bytes 1e3-2e3/3e3',
      undefined,
      '',
    ]) {
      expect(() => parseContentRange(header), String(header)).toThrowError(expect.objectContaining({ code: 'INVALID_RANGE' }));
    }
  });

  it('accepts the unit in any case and surrounding space, as RFC 9110 allows', () => {
    expect(parseContentRange('  BYTES 0-0/1 ')).toEqual({ start: 0, end: 0, total: 1 });
  });
});

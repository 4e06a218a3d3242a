import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalSet, rangesOverlap, type ByteRange } from '@frago/core';

const SIZE = 64;
const range = fc
  .tuple(fc.integer({ min: 0, max: SIZE - 1 }), fc.integer({ min: 0, max: SIZE - 1 }))
  .map(([a, b]): ByteRange => ({ start: Math.min(a, b), end: Math.max(a, b) }));

function bitmap(ranges: ByteRange[]): boolean[] {
  const bits = Array.from({ length: SIZE }, () => false);
  for (const { start, end } of ranges) for (let i = start; i <= end; i += 1) bits[i] = true;
  return bits;
}

describe('IntervalSet against a bitmap model', () => {
  it('keeps ranges sorted, disjoint and non-adjacent, covering exactly the bytes added', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 20 }), (ranges) => {
        const set = ranges.reduce((acc, r) => acc.add(r), IntervalSet.empty());
        for (let i = 1; i < set.ranges.length; i += 1) {
          expect(set.ranges[i]!.start).toBeGreaterThan(set.ranges[i - 1]!.end + 1);
        }
        expect(bitmap([...set.ranges])).toEqual(bitmap(ranges));
        expect(set.size).toBe(bitmap(ranges).filter(Boolean).length);
        expect(IntervalSet.from([...ranges].reverse()).ranges).toEqual(set.ranges);
      }),
    );
  });

  it('reports missing ranges as the exact complement', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 20 }), (ranges) => {
        const set = IntervalSet.from(ranges);
        const missing = set.missing(SIZE);
        const bits = bitmap(ranges);
        expect(bitmap(missing)).toEqual(bits.map((bit) => !bit));
        for (const gap of missing) expect(set.overlapping(gap)).toBeUndefined();
      }),
    );
  });

  it('answers covers, overlapping and contiguousEnd like the model', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 10 }), range, fc.integer({ min: 0, max: SIZE - 1 }), (ranges, probe, offset) => {
        const set = IntervalSet.from(ranges);
        const bits = bitmap(ranges);
        const probeBits = bits.slice(probe.start, probe.end + 1);
        expect(set.covers(probe)).toBe(probeBits.every(Boolean));
        expect(set.overlapping(probe) !== undefined).toBe(probeBits.some(Boolean));
        let end = offset;
        while (end < SIZE && bits[end]) end += 1;
        expect(set.contiguousEnd(offset)).toBe(end);
      }),
    );
  });

  it('treats zero files as complete and touching ranges as not overlapping', () => {
    expect(IntervalSet.empty().missing(0)).toEqual([]);
    expect(rangesOverlap({ start: 0, end: 4 }, { start: 5, end: 9 })).toBe(false);
    expect(rangesOverlap({ start: 0, end: 5 }, { start: 5, end: 9 })).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { isFragoError, MAX_PARTS_PER_SIGNING, partLayout, partRange } from '../src/index.js';
import { requestedParts } from '../src/direct-parts.js';

const MiB = 1024 * 1024;

describe('the parts of a direct upload', () => {
  it('cuts a file into parts of the part size, the last one shorter, none for an empty file', () => {
    expect(partLayout(0, 5 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 0 });
    expect(partLayout(5 * MiB, 5 * MiB).partCount).toBe(1);
    expect(partLayout(5 * MiB + 1, 5 * MiB).partCount).toBe(2);
    const layout = partLayout(12 * MiB + 3, 5 * MiB);
    expect([1, 2, 3].map((part) => partRange(12 * MiB + 3, layout, part))).toEqual([
      { part: 1, start: 0, end: 5 * MiB - 1 },
      { part: 2, start: 5 * MiB, end: 10 * MiB - 1 },
      { part: 3, start: 10 * MiB, end: 12 * MiB + 2 },
    ]);
    for (const outside of [0, 4, -1, 1.5, Number.NaN, 10_001]) expect(partRange(12 * MiB + 3, layout, outside)).toBeNull();
  });

  it('takes only part numbers of the upload, each once, at most a batch at a time', () => {
    const layout = partLayout(20 * MiB, 5 * MiB);
    expect(requestedParts(20 * MiB, layout, [4, 1]).map(({ part }) => part)).toEqual([4, 1]);
    const refusals = [[], [0], [5], [1, 1], [2.5], Array.from({ length: MAX_PARTS_PER_SIGNING + 1 }, (_, n) => n + 1)];
    for (const wanted of refusals) {
      let caught: unknown;
      try {
        requestedParts(20 * MiB, layout, wanted);
      } catch (error) {
        caught = error;
      }
      expect(isFragoError(caught, 'INVALID_REQUEST')).toBe(true);
    }
  });
});

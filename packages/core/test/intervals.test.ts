import { describe, expect, it } from 'vitest';
import { IntervalSet } from '@frago/core';

describe('IntervalSet smoke', () => {
  it('merges adjacent ranges', () => {
    const set = IntervalSet.from([{ start: 5, end: 9 }, { start: 0, end: 4 }]);
    expect(set.ranges).toEqual([{ start: 0, end: 9 }]);
  });
});

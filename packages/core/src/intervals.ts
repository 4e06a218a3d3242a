/** A closed byte range `[start, end]`; both ends are byte offsets within the file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** The number of bytes in a closed range. */
export function rangeSize(range: ByteRange): number {
  return range.end - range.start + 1;
}

/** True when two closed ranges share at least one byte. */
export function rangesOverlap(a: ByteRange, b: ByteRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/**
 * A set of disjoint, sorted, non-adjacent closed byte ranges. Adding a range merges
 * it with every range it overlaps or touches, so coverage is exact whatever order
 * ranges arrive in. Immutable: every operation returns a new set.
 */
export class IntervalSet {
  readonly ranges: readonly ByteRange[];

  private constructor(ranges: readonly ByteRange[]) {
    this.ranges = ranges;
  }

  /** The empty set. */
  static empty(): IntervalSet {
    return new IntervalSet([]);
  }

  /** The union of any ranges, in any order, overlapping or not. */
  static from(ranges: Iterable<ByteRange>): IntervalSet {
    const sorted = [...ranges].sort((a, b) => a.start - b.start);
    const merged: ByteRange[] = [];
    for (const range of sorted) {
      const last = merged[merged.length - 1];
      if (last !== undefined && range.start <= last.end + 1) {
        if (range.end > last.end) merged[merged.length - 1] = { start: last.start, end: range.end };
      } else {
        merged.push({ start: range.start, end: range.end });
      }
    }
    return new IntervalSet(merged);
  }

  /** This set with one more range merged in. */
  add(range: ByteRange): IntervalSet {
    return IntervalSet.from([...this.ranges, range]);
  }

  /** The first range of this set that shares a byte with `range`, if any. */
  overlapping(range: ByteRange): ByteRange | undefined {
    return this.ranges.find((candidate) => rangesOverlap(candidate, range));
  }

  /** True when every byte of `range` is in the set. */
  covers(range: ByteRange): boolean {
    return this.ranges.some((candidate) => candidate.start <= range.start && candidate.end >= range.end);
  }

  /** How many bytes the set holds. */
  get size(): number {
    return this.ranges.reduce((sum, range) => sum + rangeSize(range), 0);
  }

  /** The ranges of `[0, total)` that are not in the set, in order. */
  missing(total: number): ByteRange[] {
    const gaps: ByteRange[] = [];
    let next = 0;
    for (const range of this.ranges) {
      if (range.start >= total) break;
      if (range.start > next) gaps.push({ start: next, end: range.start - 1 });
      next = Math.max(next, range.end + 1);
    }
    if (next < total) gaps.push({ start: next, end: total - 1 });
    return gaps;
  }

  /** The end (exclusive) of the run of bytes that starts at `offset`, or `offset` if that byte is missing. */
  contiguousEnd(offset: number): number {
    const range = this.ranges.find((candidate) => candidate.start <= offset && candidate.end >= offset);
    return range === undefined ? offset : range.end + 1;
  }
}

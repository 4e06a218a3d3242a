import type { ByteRange } from '@frago/core';

/** A piece of a chunk that lies within one part; `part` is set when it is that whole part. */
export interface Segment extends ByteRange {
  /** The 1-based part number when the segment is exactly that part, else null. */
  readonly part: number | null;
}

/** How many parts an upload of `totalSize` bytes has. */
export function partCount(totalSize: number, partSize: number): number {
  return Math.ceil(totalSize / partSize);
}

/** The byte range of 1-based part `part`. */
export function partRange(part: number, partSize: number, totalSize: number): ByteRange {
  const start = (part - 1) * partSize;
  return { start, end: Math.min(start + partSize, totalSize) - 1 };
}

/**
 * Splits the chunk `[start, end]` at part boundaries. Each whole part becomes a
 * segment that can be uploaded as that part; the pieces at either end that cover only
 * part of a part are staged.
 */
export function segmentsOf(start: number, end: number, partSize: number, totalSize: number): Segment[] {
  const segments: Segment[] = [];
  for (let from = start; from <= end; ) {
    const part = Math.floor(from / partSize) + 1;
    const whole = partRange(part, partSize, totalSize);
    const to = Math.min(end, whole.end);
    segments.push({ start: from, end: to, part: from === whole.start && to === whole.end ? part : null });
    from = to + 1;
  }
  return segments;
}

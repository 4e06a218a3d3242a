import type { ByteRange } from '@frago/core';
import { FragoError } from '@frago/core';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from './options.js';

/**
 * The parts of an object joined from uploads of `sizes` bytes, in order: each part ends
 * where an upload ends, so that a part lying in one upload is copied inside the store
 * (UploadPartCopy). An upload smaller than S3's 5 MiB minimum part (unless last) shares
 * its part with the uploads after it until the part reaches 5 MiB: such a part is
 * downloaded and uploaded again. A part over 5 GiB is cut into equal parts.
 *
 * @throws {FragoError} `UPLOAD_TOO_LARGE` for more than 10,000 parts.
 */
export function joinLayout(sizes: readonly number[]): ByteRange[] {
  const parts: ByteRange[] = [];
  const total = sizes.reduce((sum, size) => sum + size, 0);
  let start = 0;
  let end = 0;
  for (const size of sizes) {
    end += size;
    if (end - start >= MIN_PART_SIZE || end === total) {
      if (end > start) parts.push(...cut(start, end));
      start = end;
    }
  }
  if (parts.length > MAX_PARTS) throw new FragoError('UPLOAD_TOO_LARGE', 'The joined uploads need more than 10,000 S3 parts');
  return parts;
}

/** `[start, end)` as closed ranges of at most 5 GiB, of equal size (each at least 5 MiB when cut). */
function cut(start: number, end: number): ByteRange[] {
  const count = Math.ceil((end - start) / MAX_PART_SIZE);
  const size = Math.ceil((end - start) / count);
  return Array.from({ length: count }, (_, index) => ({ start: start + index * size, end: Math.min(start + (index + 1) * size, end) - 1 }));
}

import { FragoError } from '../../errors.js';
import type { ByteRange } from '../../intervals.js';

/** A parsed `Content-Range: bytes S-E/T` header: the closed range `[start, end]` of a file of `total` bytes. */
export interface ContentRange extends ByteRange {
  readonly total: number;
}

const CONTENT_RANGE = /^bytes[ ]+(\d{1,16})-(\d{1,16})\/(\d{1,16})$/i;

function toSafeInteger(digits: string): number | undefined {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Parses a `Content-Range` header of the form `bytes START-END/TOTAL` (RFC 9110
 * section 14.4, end inclusive). Unsatisfied (`bytes * /T`) and unknown-length
 * (`bytes S-E/*`) forms, numbers beyond `Number.MAX_SAFE_INTEGER` and ranges with
 * `start > end` or `end >= total` are refused.
 *
 * @throws {FragoError} `INVALID_RANGE` when the header is missing or malformed.
 */
export function parseContentRange(header: string | undefined | null): ContentRange {
  if (header === undefined || header === null || header === '') {
    throw new FragoError('INVALID_RANGE', 'A Content-Range header of the form "bytes START-END/TOTAL" is required');
  }
  const match = CONTENT_RANGE.exec(header.trim());
  const start = match?.[1] === undefined ? undefined : toSafeInteger(match[1]);
  const end = match?.[2] === undefined ? undefined : toSafeInteger(match[2]);
  const total = match?.[3] === undefined ? undefined : toSafeInteger(match[3]);
  if (start === undefined || end === undefined || total === undefined) {
    throw new FragoError('INVALID_RANGE', 'Content-Range must be "bytes START-END/TOTAL" with whole numbers');
  }
  if (start > end) {
    throw new FragoError('INVALID_RANGE', 'Content-Range start must not be greater than its end');
  }
  if (end >= total) {
    throw new FragoError('INVALID_RANGE', 'Content-Range end must be less than the total size');
  }
  return { start, end, total };
}

/** Formats a range as a `Content-Range` header value. */
export function formatContentRange(range: ContentRange): string {
  return `bytes ${range.start}-${range.end}/${range.total}`;
}

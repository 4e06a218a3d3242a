import { FragoError } from '../../errors.js';
import { validateFilename } from '../../filename.js';
import type { StartUpload } from '../../commands.js';
import { metadataObject } from '../frago/parse.js';

// The wire names of the Companion-style S3 endpoints that `@uppy/aws-s3` calls.

const PART_NUMBER = /^[1-9][0-9]{0,4}$/;

/** A part number of the path: 1 to 99999 in plain digits (the service checks it is one of the upload's). @throws {FragoError} `INVALID_REQUEST`. */
export function partNumber(text: string): number {
  if (!PART_NUMBER.test(text)) throw new FragoError('INVALID_REQUEST', 'The part number must be a whole number from 1');
  return Number(text);
}

/**
 * The upload a `?key=` names together with the path's upload id. The key handed out is
 * the upload id itself, so any other key names no upload.
 *
 * @throws {FragoError} `UPLOAD_NOT_FOUND` for a missing or different key.
 */
export function checkedKey(search: string, id: string): string {
  if (new URLSearchParams(search).get('key') !== id) throw new FragoError('UPLOAD_NOT_FOUND', 'No such upload');
  return id;
}

/**
 * The start of a multipart upload from `{filename, type, metadata}`. The size comes from
 * `metadata.size` (Uppy sends no size of its own; the page puts the file's size in its
 * meta); `type` is kept in the metadata.
 *
 * @throws {FragoError} `INVALID_FILENAME`, `INVALID_SIZE`, `INVALID_REQUEST`.
 */
export function parseCreate(fields: Record<string, unknown>): StartUpload & { readonly totalSize: number } {
  const { totalSize, ...start } = parseStart(fields);
  if (totalSize === null) throw new FragoError('INVALID_SIZE', 'metadata.size must be the file size: a whole number of bytes');
  return { ...start, totalSize };
}

/**
 * The start of an upload from `{filename, type, metadata}`, its size null when
 * `metadata.size` is absent; `type` is kept in the metadata.
 *
 * @throws {FragoError} `INVALID_FILENAME`, `INVALID_SIZE` (a `metadata.size` that is not
 * a size), `INVALID_REQUEST`.
 */
export function parseStart(fields: Record<string, unknown>): StartUpload {
  const filename = validateFilename(fields.filename);
  const { size, ...rest } = metadataObject(fields.metadata);
  const totalSize = typeof size === 'string' && /^[0-9]{1,16}$/.test(size) ? Number(size) : size;
  if (totalSize !== undefined && (typeof totalSize !== 'number' || !Number.isSafeInteger(totalSize) || totalSize < 0)) {
    throw new FragoError('INVALID_SIZE', 'metadata.size must be the file size: a whole number of bytes');
  }
  if (fields.type !== undefined && typeof fields.type !== 'string') throw new FragoError('INVALID_REQUEST', 'type must be a string');
  return { filename, totalSize: totalSize ?? null, metadata: { ...rest, ...(typeof fields.type === 'string' ? { type: fields.type } : {}) } };
}

/** The parts of a complete request, `{parts: [{PartNumber, ETag}]}`, ETags bare and lowercase. @throws {FragoError} `INVALID_REQUEST`. */
export function parseComplete(fields: Record<string, unknown>): Map<number, string> {
  const invalid = () => new FragoError('INVALID_REQUEST', 'parts must be a list of {PartNumber, ETag}');
  if (!Array.isArray(fields.parts)) throw invalid();
  const parts = new Map<number, string>();
  for (const entry of fields.parts as unknown[]) {
    const { PartNumber, ETag } = (typeof entry === 'object' && entry !== null ? entry : {}) as { PartNumber?: unknown; ETag?: unknown };
    if (typeof PartNumber !== 'number' || !Number.isSafeInteger(PartNumber) || typeof ETag !== 'string' || parts.has(PartNumber)) throw invalid();
    parts.set(PartNumber, bareEtag(ETag));
  }
  return parts;
}

/** An ETag without its quotes, lowercase. */
export function bareEtag(etag: string): string {
  return etag.replace(/"/g, '').toLowerCase();
}

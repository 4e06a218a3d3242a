import { FragoError } from './errors.js';
import type { UploadRecord } from './model.js';

/** Where a page of a listing ended, as the opaque text handed to the caller. */
export function encodeCursor(upload: UploadRecord): string {
  return btoa(`${upload.createdAt.toISOString()}|${upload.id}`).replace(/=+$/, '');
}

/**
 * The place a cursor from {@link encodeCursor} stands for.
 *
 * @throws {FragoError} `INVALID_REQUEST` for text this server did not issue.
 */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let decoded = '';
  try {
    decoded = atob(cursor);
  } catch {
    // handled below as a malformed cursor
  }
  const [iso, id] = decoded.split('|');
  const createdAt = new Date(iso ?? '');
  if (id === undefined || id === '' || Number.isNaN(createdAt.getTime())) {
    throw new FragoError('INVALID_REQUEST', 'The cursor is not one this server issued');
  }
  return { createdAt, id };
}

import type { FileHandle } from 'node:fs/promises';
import { FragoError } from '@frago/core';
import { storageFailure } from './fs-errors.js';

/**
 * Bytes gathered from the body before they are written in one call. A body arrives in
 * pieces of the socket's reads (often 16-64 KiB); every write call is a trip to the
 * thread pool that costs more CPU than the copy it makes, so pieces go out together.
 */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes every piece of `body` into `handle` from `offset` on. Pieces are gathered
 * until they make {@link WRITE_BATCH_BYTES} (or the body ends) and written with one
 * positional `writev`; no piece is pulled while a write is under way, so a slow disk
 * slows the body down (back-pressure) and at most one batch is held in memory. Pieces
 * never go past `size`, the file's preallocated length.
 *
 * Errors thrown by `body` and the reason of an aborted `signal` propagate unchanged;
 * file system errors become `STORAGE_FAILED`.
 */
export async function writeBodyAt(
  handle: FileHandle,
  size: number,
  offset: number,
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<void> {
  let position = offset;
  let batch: Uint8Array[] = [];
  let gathered = 0;
  for await (const piece of body) {
    signal?.throwIfAborted();
    if (position + gathered + piece.byteLength > size) {
      throw new FragoError('INVALID_RANGE', 'Write past the end of the upload');
    }
    batch.push(piece);
    gathered += piece.byteLength;
    if (gathered < WRITE_BATCH_BYTES) continue;
    await writeFully(handle, batch, gathered, position);
    position += gathered;
    batch = [];
    gathered = 0;
  }
  signal?.throwIfAborted();
  if (gathered > 0) await writeFully(handle, batch, gathered, position);
}

/** Writes `pieces` (`length` bytes in all) at `position`, going on after a short write. */
async function writeFully(handle: FileHandle, pieces: Uint8Array[], length: number, position: number): Promise<void> {
  let done = 0;
  let left = pieces;
  while (done < length) {
    let bytesWritten: number;
    try {
      ({ bytesWritten } = await handle.writev(left, position + done));
    } catch (error) {
      throw storageFailure(error, 'Could not write the chunk');
    }
    if (bytesWritten === 0) throw new FragoError('STORAGE_FAILED', 'Could not write the chunk');
    done += bytesWritten;
    left = unwritten(left, bytesWritten);
  }
}

/** What is left of `pieces` once their first `count` bytes are written. */
function unwritten(pieces: Uint8Array[], count: number): Uint8Array[] {
  let skip = count;
  let first = 0;
  while (first < pieces.length && skip >= pieces[first]!.byteLength) {
    skip -= pieces[first]!.byteLength;
    first += 1;
  }
  const rest = pieces.slice(first);
  if (rest.length > 0 && skip > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}

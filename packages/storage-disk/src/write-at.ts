import type { FileHandle } from 'node:fs/promises';
import { FragoError } from '@frago/core';
import { storageFailure } from './fs-errors.js';

/**
 * Writes every piece of `body` into `handle` from `offset` on, one positional write
 * per piece. Each piece is written before the next one is pulled, so a slow disk slows
 * the body down (back-pressure) and at most one piece is held in memory. Pieces never
 * go past `size`, the file's preallocated length.
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
  for await (const piece of body) {
    signal?.throwIfAborted();
    if (position + piece.byteLength > size) {
      throw new FragoError('INVALID_RANGE', 'Write past the end of the upload');
    }
    await writeFully(handle, piece, position);
    position += piece.byteLength;
  }
}

async function writeFully(handle: FileHandle, piece: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < piece.byteLength) {
    let bytesWritten: number;
    try {
      ({ bytesWritten } = await handle.write(piece, done, piece.byteLength - done, position + done));
    } catch (error) {
      throw storageFailure(error, 'Could not write the chunk');
    }
    if (bytesWritten === 0) throw new FragoError('STORAGE_FAILED', 'Could not write the chunk');
    done += bytesWritten;
  }
}

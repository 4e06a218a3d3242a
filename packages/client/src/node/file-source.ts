import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { FragoClientError } from '../errors.js';
import { plainCause } from '../system-error.js';
import type { UploadSource } from '../source.js';

const MiB = 1024 * 1024;

/** Streams `[start, end]` of a file; a read failure becomes a typed `READ_FAILED`. */
async function* readRange(path: string, start: number, end: number, highWaterMark: number): AsyncIterable<Uint8Array> {
  try {
    for await (const piece of createReadStream(path, { start, end, highWaterMark })) yield piece as Uint8Array;
  } catch (cause) {
    throw new FragoClientError('READ_FAILED', `Could not read ${path}: ${plainCause(cause)}`, { cause });
  }
}

/**
 * A source over a file on disk. Every chunk is a ranged read stream, so memory stays
 * at a few buffers per chunk in flight whatever the file's size; the checksum reads
 * the file once more, in order. The resume fingerprint uses the absolute path, size
 * and modification time.
 *
 * @throws {FragoClientError} `READ_FAILED` when the path is not a readable regular file.
 */
export async function fileSource(path: string, options: { name?: string } = {}): Promise<UploadSource> {
  const absolute = resolve(path);
  const unreadable = (cause: unknown): never => {
    throw new FragoClientError('READ_FAILED', `Cannot read ${path}: ${plainCause(cause)}`, { cause });
  };
  const info = await stat(absolute).catch(unreadable);
  if (info.isDirectory()) throw new FragoClientError('READ_FAILED', `Cannot read ${path}: is a directory`);
  if (!info.isFile()) throw new FragoClientError('READ_FAILED', `Cannot read ${path}: not a regular file`);
  // stat needs no read permission on the file itself: ask now, not at the first chunk.
  await access(absolute, constants.R_OK).catch(unreadable);
  const size = info.size;
  return {
    name: options.name ?? basename(absolute),
    size,
    lastModified: Math.trunc(info.mtimeMs),
    key: absolute,
    slice: (start, end) => readRange(absolute, start, end, MiB),
    stream: () => readRange(absolute, 0, Math.max(0, size - 1), 4 * MiB),
  };
}

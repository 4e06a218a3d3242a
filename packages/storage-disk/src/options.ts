import { resolve } from 'node:path';
import { FragoError } from '@frago/core';

/**
 * How durable a write is when it resolves.
 * - `'chunk'`: every chunk is flushed to the device (`fdatasync`) before `write()`
 *   resolves, and the folder entries made by `create()` and `assemble()` are synced
 *   too, so a chunk the server acknowledged survives a power loss or kernel crash.
 * - `'none'`: bytes are left in the operating system's page cache. They survive a
 *   crash of the Node process, but a crash of the machine may lose chunks the client
 *   was told were stored; the upload then finalizes with a wrong checksum.
 */
export type FsyncMode = 'none' | 'chunk';

/** Options of {@link DiskStorage}. */
export interface DiskStorageOptions {
  /** The root folder; the other folders default to subfolders of it. */
  readonly directory: string;
  /** Where in-progress uploads live as `<key>.part`; default `<directory>/incoming`. */
  readonly incomingDir?: string;
  /**
   * Where assembled files go; default `<directory>/assembled`. Must be on the same file
   * system as `incomingDir`, because assembling is a hard link, not a copy.
   */
  readonly assembledDir?: string;
  /** Durability of writes; default `'chunk'`. See {@link FsyncMode}. */
  readonly fsync?: FsyncMode;
  /**
   * Bytes per piece when reading a range back (the checksum's catch-up reads whole
   * chunks, and larger pieces hash faster); default 1 MiB.
   */
  readonly highWaterMark?: number;
}

/** {@link DiskStorageOptions} with every default applied and every folder absolute. */
export interface ResolvedDiskStorageOptions {
  readonly incomingDir: string;
  readonly assembledDir: string;
  readonly fsync: FsyncMode;
  readonly highWaterMark: number;
}

/**
 * Applies the defaults of {@link DiskStorageOptions}.
 *
 * @throws {FragoError} `STORAGE_FAILED` when the options cannot work (same folder for
 * both roles, unknown fsync mode, bad highWaterMark).
 */
export function resolveOptions(options: DiskStorageOptions): ResolvedDiskStorageOptions {
  if (typeof options.directory !== 'string' || options.directory === '') {
    throw new FragoError('STORAGE_FAILED', 'DiskStorage needs a directory');
  }
  const incomingDir = resolve(options.incomingDir ?? resolve(options.directory, 'incoming'));
  const assembledDir = resolve(options.assembledDir ?? resolve(options.directory, 'assembled'));
  // Shared folders would let an assembled name shadow a `<key>.part` file.
  if (incomingDir === assembledDir) {
    throw new FragoError('STORAGE_FAILED', 'incomingDir and assembledDir must be different folders');
  }
  const fsync = options.fsync ?? 'chunk';
  if (fsync !== 'none' && fsync !== 'chunk') {
    throw new FragoError('STORAGE_FAILED', "fsync must be 'none' or 'chunk'");
  }
  const highWaterMark = options.highWaterMark ?? 1024 * 1024;
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
    throw new FragoError('STORAGE_FAILED', 'highWaterMark must be a positive integer');
  }
  return { incomingDir, assembledDir, fsync, highWaterMark };
}

import { constants } from 'node:fs';
import { access, link, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { AssembleTarget, ByteRange, ChunkPlacement, JoinCopied, JoinedPart, Storage, StorageCapabilities, WrittenChunk } from '@frago/core';
import { FragoError, tap } from '@frago/core';
import { assemblePart } from './assemble.js';
import { errnoCode, missingUpload, storageFailure } from './fs-errors.js';
import { resolveOptions, type DiskStorageOptions, type ResolvedDiskStorageOptions } from './options.js';
import { partPath, recordPath } from './paths.js';
import { SharedFolderSync } from './sync.js';
import { writeBodyAt } from './write-at.js';

/**
 * A {@link Storage} on a local or shared file system. Each upload is one file,
 * `<incoming>/<key>.part`, preallocated to its total size; chunks are written in place
 * at their offsets, in any order and in parallel, and assembling moves that file into
 * `<assembled>/[<directory>/]<uploadId>-<filename>` with a hard link: no byte is copied.
 *
 * Keys and every name that reaches the file system are checked to be plain path
 * segments; an existing file is never overwritten.
 */
export class DiskStorage implements Storage {
  /**
   * The disk takes chunks of any size at any offset, and uploads whose size comes later:
   * their file grows as bytes arrive, and `create` with the declared size sets its length.
   */
  readonly capabilities: StorageCapabilities = { deferredSize: true };
  /** The options in effect, every folder absolute. */
  readonly options: ResolvedDiskStorageOptions;
  private incomingReady: Promise<void> | undefined;
  private readonly folders = new SharedFolderSync();

  /** @throws {FragoError} `STORAGE_FAILED` for options that cannot work. */
  constructor(options: DiskStorageOptions) {
    this.options = resolveOptions(options);
  }

  /**
   * Resolves when the incoming folder exists and this process may write to it (it is
   * created first, as the first upload would); rejects with the file system's error.
   */
  async ping(): Promise<void> {
    await mkdir(this.options.incomingDir, { recursive: true });
    await access(this.options.incomingDir, constants.W_OK);
  }

  /**
   * Creates `<incoming>/<key>.part` with a length of `totalSize` (sparse where the file
   * system allows). Idempotent: an existing file keeps its bytes and gets that length.
   *
   * @throws {FragoError} `STORAGE_FAILED` for an invalid key or a file system failure;
   * `INVALID_SIZE` for a size that is not a non-negative safe integer.
   */
  async create(key: string, totalSize: number): Promise<void> {
    const path = partPath(this.options.incomingDir, key);
    if (!Number.isSafeInteger(totalSize) || totalSize < 0) {
      throw new FragoError('INVALID_SIZE', 'The upload size must be a non-negative integer');
    }
    try {
      this.incomingReady ??= mkdir(this.options.incomingDir, { recursive: true }).then(() => undefined);
      await this.incomingReady.catch((error: unknown) => {
        this.incomingReady = undefined;
        throw error;
      });
      const { handle, fresh } = await openForCreate(path);
      try {
        // A file just made is empty; only a repeated create needs to look at its size.
        const size = fresh ? 0 : (await handle.stat()).size;
        // No fdatasync of the length: nothing counts until a chunk is written, and each
        // chunk's own fdatasync makes the file's size durable with its bytes. The
        // folder's entry is synced below, so the file itself survives a crash.
        if (size !== totalSize) await handle.truncate(totalSize);
      } finally {
        await handle.close();
      }
      if (this.durable) await this.folders.sync(this.options.incomingDir);
    } catch (error) {
      throw storageFailure(error, 'Could not create the upload file');
    }
  }

  /**
   * Streams `body` into the upload's file from `offset` on, in writes of up to 1 MiB.
   * Nothing more is read while a write is under way, so memory stays at one write's
   * bytes and a slow disk slows the sender. Writes to other ranges of the same upload may run at the same
   * time. With `fsync: 'chunk'` the bytes are on the device when this resolves.
   *
   * @throws whatever `body` throws, or the reason of an aborted `signal`, unchanged;
   * {@link FragoError} `INVALID_RANGE` for bytes past the end of the upload;
   * `STORAGE_FAILED` for an unknown upload or a file system failure.
   */
  async write(
    key: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    signal?: AbortSignal,
    placement?: ChunkPlacement,
  ): Promise<void> {
    const path = partPath(this.options.incomingDir, key);
    signal?.throwIfAborted();
    const handle = await this.openPart(path, 'r+');
    let failed = true;
    try {
      // The core states the upload's size, which is the file's (create made it so); for
      // an upload whose size is deferred, the largest it may grow to.
      const size = placement?.totalSize ?? (await fileSize(handle));
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) {
        throw new FragoError('INVALID_RANGE', 'Write outside the upload');
      }
      await writeBodyAt(handle, size, offset, body, signal);
      if (this.durable) await flush(handle);
      failed = false;
    } finally {
      // A failed close after a failed write must not hide the write's error.
      await handle.close().catch((error: unknown) => {
        if (!failed) throw storageFailure(error, 'Could not write the chunk');
      });
    }
  }

  /**
   * Streams the bytes of `range` back from the upload's file, in pieces of
   * `highWaterMark` bytes.
   *
   * @throws {FragoError} `INVALID_RANGE` for a range outside the upload;
   * `STORAGE_FAILED` for an unknown upload or a file system failure.
   */
  async *read(key: string, range: ByteRange): AsyncIterable<Uint8Array> {
    const path = partPath(this.options.incomingDir, key);
    const handle = await this.openPart(path, 'r');
    let size: number;
    try {
      size = await fileSize(handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
    if (!Number.isSafeInteger(range.start) || range.start < 0 || range.end < range.start || range.end >= size) {
      await handle.close();
      throw new FragoError('INVALID_RANGE', 'Read outside the upload');
    }
    const stream = handle.createReadStream({ start: range.start, end: range.end, autoClose: true, highWaterMark: this.options.highWaterMark });
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) yield piece;
    } catch (error) {
      throw storageFailure(error, 'Could not read the upload');
    } finally {
      stream.destroy();
    }
  }

  /**
   * The upload's `.part` file, where its bytes lie at their offsets: a hashing thread
   * reads from it the bytes it catches up on, instead of through {@link read}.
   *
   * @throws {FragoError} `STORAGE_FAILED` for an invalid key.
   */
  localFile(key: string): string {
    return partPath(this.options.incomingDir, key);
  }

  /**
   * Makes the file of upload `key` from whole uploads: the first part's file becomes it
   * (a hard link: none of its bytes is copied), and each other part is appended at its
   * offset, read and written once through the process, one piece in memory at a time,
   * each piece handed to `copied` on its way. (Node.js offers no copy between offsets of
   * two files in the kernel, and `copyFile` clones only whole files, so the bytes of
   * every part after the first pass through the process.) The parts keep their own
   * files (the first shares its bytes with `key`'s until it is deleted).
   *
   * @throws {FragoError} `STORAGE_FAILED` for parts that do not start at 0 and follow each
   * other, an unknown upload, or a file system failure.
   */
  async join(key: string, parts: readonly JoinedPart[], copied?: JoinCopied): Promise<WrittenChunk[]> {
    const [first, ...rest] = parts;
    if (first === undefined) return [];
    const total = parts.reduce((offset, part) => {
      if (part.offset !== offset) throw new FragoError('STORAGE_FAILED', 'The joined uploads must follow each other from 0');
      return offset + part.size;
    }, 0);
    const path = partPath(this.options.incomingDir, key);
    const linked = `${path}.join`;
    try {
      await rm(linked, { force: true });
      await link(partPath(this.options.incomingDir, first.key), linked);
      await rename(linked, path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missingUpload(error);
      throw storageFailure(error, 'Could not join the uploads');
    }
    const handle = await this.openPart(path, 'r+');
    try {
      await handle.truncate(total).catch((error: unknown) => {
        throw storageFailure(error, 'Could not join the uploads');
      });
      for (const part of rest) await writeBodyAt(handle, total, part.offset, this.partBytes(part, copied), undefined);
      if (this.durable) await flush(handle);
    } finally {
      await handle.close();
    }
    if (this.durable) await this.folders.sync(this.options.incomingDir);
    return parts.map(() => ({ storageData: null }));
  }

  /**
   * Moves the upload's file to `<assembled>/[<directory>/]<uploadId>-<filename>`
   * (then `<uploadId>-1-<filename>`, ... when a file already has that name) and
   * returns its absolute path. No byte is copied, no existing file is replaced, and a
   * call repeated after a crash returns the same path.
   *
   * @throws {FragoError} `STORAGE_FAILED` for a target that is not a plain name inside
   * the assembled folder, an upload with no bytes, or a file system failure.
   */
  async assemble(key: string, target: AssembleTarget): Promise<{ readonly location: string }> {
    const location = await assemblePart({
      part: partPath(this.options.incomingDir, key),
      record: recordPath(this.options.incomingDir, key),
      assembledRoot: this.options.assembledDir,
      target,
      syncFolder: this.durable ? (path) => this.folders.sync(path) : undefined,
    });
    return { location };
  }

  /**
   * Removes the upload's `.part` file and any name record. Idempotent; never touches
   * an assembled file (even one that still shares the `.part` file's inode).
   *
   * @throws {FragoError} `STORAGE_FAILED` for an invalid key or a file system failure.
   */
  async delete(key: string): Promise<void> {
    const paths = [partPath(this.options.incomingDir, key), recordPath(this.options.incomingDir, key)];
    try {
      for (const path of paths) await rm(path, { force: true });
    } catch (error) {
      throw storageFailure(error, 'Could not delete the upload');
    }
  }

  /** A whole part's bytes, each piece handed to `copied` with its offset in the joined upload first. */
  private partBytes(part: JoinedPart, copied: JoinCopied | undefined): AsyncIterable<Uint8Array> {
    const bytes = this.read(part.key, { start: 0, end: part.size - 1 });
    if (copied === undefined) return bytes;
    let offset = part.offset;
    return tap(bytes, (piece) => {
      const at = offset;
      offset += piece.byteLength;
      return copied(at, piece);
    });
  }

  private get durable(): boolean {
    return this.options.fsync === 'chunk';
  }

  private async openPart(path: string, flags: 'r' | 'r+'): Promise<FileHandle> {
    try {
      return await open(path, flags);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missingUpload(error);
      throw storageFailure(error, 'Could not open the upload file');
    }
  }
}

/**
 * Opens `path` for a create: made new when it did not exist (`fresh`), else the file
 * already there. Never O_TRUNC: a second create must not wipe chunks already written.
 */
async function openForCreate(path: string): Promise<{ handle: FileHandle; fresh: boolean }> {
  try {
    return { handle: await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600), fresh: true };
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
  }
  return { handle: await open(path, constants.O_RDWR | constants.O_CREAT, 0o600), fresh: false };
}

async function fileSize(handle: FileHandle): Promise<number> {
  try {
    return (await handle.stat()).size;
  } catch (error) {
    throw storageFailure(error, 'Could not read the upload file');
  }
}

async function flush(handle: FileHandle): Promise<void> {
  try {
    await handle.datasync();
  } catch (error) {
    throw storageFailure(error, 'Could not flush the chunk');
  }
}

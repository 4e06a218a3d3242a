import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssembleTarget, ByteRange, Storage, StoredChunk, WrittenChunk } from '@frago/core';
import { isFragoError } from '@frago/core';

/** One fresh storage for one test, with a way to check its results independently. */
export interface StorageFixture {
  readonly storage: Storage;
  /**
   * The bytes of an assembled file, read by the storage's own means (the file system
   * for disk, `MemoryStorage.file()` for memory), not through the {@link Storage} port.
   * Rejects when there is no file at `location`.
   */
  readAssembled(location: string): Promise<Uint8Array>;
  /** Frees everything the fixture made. */
  teardown(): Promise<void>;
}

/** Makes a {@link StorageFixture}; called once per test. */
export type StorageSetup = () => Promise<StorageFixture>;

/** Gives the running test its fixture. */
export type FixtureAccess = () => StorageFixture;

/**
 * Runs every storage capability suite on one implementation:
 * {@link shouldWriteAndAssemble}, {@link shouldReadRanges},
 * {@link shouldRecoverFromFailedBodies}, {@link shouldAssembleSafely} and
 * {@link shouldDelete}. The suite drives the storage as the core does: it passes each
 * write its placement, keeps what each write returns, and hands the stored chunks to
 * `seal` (when the storage has it) before reading back or assembling.
 *
 * @example
 * ```ts
 * describeStorageConformance('MyStorage', async () => {
 *   const storage = new MyStorage();
 *   return { storage, readAssembled: (location) => storage.readFile(location), teardown: () => storage.close() };
 * });
 * ```
 */
export function describeStorageConformance(name: string, setup: StorageSetup): void {
  describe(`Storage conformance: ${name}`, () => {
    const fixture = useStorageFixture(setup);
    shouldWriteAndAssemble(fixture);
    shouldReadRanges(fixture);
    shouldRecoverFromFailedBodies(fixture);
    shouldAssembleSafely(fixture);
    shouldDelete(fixture);
    shouldAnswerStoragePings(fixture);
  });
}

/**
 * Registers hooks that make a fresh fixture before each test of the enclosing
 * `describe` and tear it down after; returns its accessor.
 */
export function useStorageFixture(setup: StorageSetup): FixtureAccess {
  let current: StorageFixture | undefined;
  beforeEach(async () => {
    current = await setup();
  });
  afterEach(async () => {
    await current?.teardown();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('The storage fixture is only available inside a test');
    return current;
  };
}

/**
 * One upload in a storage, driven as the core drives it: every write gets its
 * placement, what a write returns is kept with its chunk, and the stored chunks are
 * sealed before anything is read back or assembled.
 */
export class UploadDriver {
  private readonly stored = new Map<number, StoredChunk>();

  private constructor(
    readonly storage: Storage,
    readonly key: string,
    readonly totalSize: number,
  ) {}

  /** Opens `key` for `totalSize` bytes, announcing `target` as the core does (or nothing). */
  static async open(storage: Storage, key: string, totalSize: number, target?: AssembleTarget): Promise<UploadDriver> {
    await storage.create(key, totalSize, target);
    return new UploadDriver(storage, key, totalSize);
  }

  /** Writes `bytes` at `start` as a body of `pieceSize` pieces and records the chunk as stored. */
  async write(start: number, bytes: Uint8Array, pieceSize = 64 * 1024): Promise<void> {
    await this.writeBody(start, bytes.byteLength, pieces(bytes, pieceSize));
  }

  /** Writes a body that claims `length` bytes from `start`; records the chunk only when the write resolves. */
  async writeBody(start: number, length: number, body: AsyncIterable<Uint8Array>): Promise<void> {
    const end = start + length - 1;
    const written = await this.storage.write(this.key, start, body, undefined, { end, totalSize: this.totalSize });
    this.stored.set(start, { start, end, storageData: written?.storageData ?? null });
  }

  /** Records `range` as a stored chunk with what the storage returned for it (as the core does after `join`). */
  adopt(range: ByteRange, written: WrittenChunk): void {
    this.stored.set(range.start, { ...range, storageData: written.storageData });
  }

  /** The chunks stored so far, ordered by start. */
  chunks(): StoredChunk[] {
    return [...this.stored.values()].sort((a, b) => a.start - b.start);
  }

  /** Seals the stored chunks, when the storage has `seal`. */
  async seal(): Promise<void> {
    await this.storage.seal?.(this.key, this.chunks());
  }

  /** Seals, then reads `range` back whole. */
  async read(range: ByteRange): Promise<Uint8Array> {
    await this.seal();
    return collect(this.storage.read(this.key, range));
  }

  /** Seals, then assembles to `target`. */
  async assemble(target: AssembleTarget): Promise<{ readonly location: string }> {
    await this.seal();
    return this.storage.assemble(this.key, target);
  }
}

/** Opens an upload announcing the target it will be assembled to, writes `bytes` in `chunkSize` chunks and assembles it. */
async function uploadWhole(storage: Storage, key: string, bytes: Uint8Array, goal: AssembleTarget, chunkSize: number): Promise<string> {
  const upload = await UploadDriver.open(storage, key, bytes.byteLength, goal);
  for (let start = 0; start < bytes.byteLength; start += chunkSize) {
    await upload.write(start, bytes.subarray(start, start + chunkSize), Math.min(chunkSize, 16 * 1024));
  }
  return (await upload.assemble(goal)).location;
}

/** Bytes go in at their offsets, in any order and in any pieces, and come out whole. */
export function shouldWriteAndAssemble(fixture: FixtureAccess): void {
  describe('writes and assembles', () => {
    it('assembles a file written in one chunk to identical bytes', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(256 * 1024);
      const location = await uploadWhole(storage, 'whole', bytes, target('up-whole', 'whole.bin', bytes.byteLength), bytes.byteLength);
      expectBytes(await readAssembled(location), bytes);
    });

    it('assembles uneven chunks written out of order and in parallel to identical bytes', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(3 * 1024 * 1024);
      const random = seededRandom(0x5eed);
      const chunks = shuffle(unevenChunks(bytes.byteLength, 64 * 1024, 1024 * 1024, random), random);
      const goal = target('up-parallel', 'parallel.bin', bytes.byteLength);
      const upload = await UploadDriver.open(storage, 'parallel', bytes.byteLength, goal);
      await Promise.all(chunks.map((chunk) => upload.write(chunk.start, bytes.subarray(chunk.start, chunk.end + 1), 32 * 1024)));
      const { location } = await upload.assemble(goal);
      expectBytes(await readAssembled(location), bytes);
    });

    it('takes a body delivered in many small pieces', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(64 * 1024 + 7);
      const goal = target('up-small', 'small.bin', bytes.byteLength);
      const upload = await UploadDriver.open(storage, 'small-pieces', bytes.byteLength, goal);
      await upload.writeBody(0, bytes.byteLength, unevenPieces(bytes, seededRandom(7)));
      const { location } = await upload.assemble(goal);
      expectBytes(await readAssembled(location), bytes);
    });

    it('assembles a zero-byte upload to an empty file', async () => {
      const { storage, readAssembled } = fixture();
      const goal = target('up-empty', 'empty.txt', 0);
      const upload = await UploadDriver.open(storage, 'empty', 0, goal);
      const { location } = await upload.assemble(goal);
      expectBytes(await readAssembled(location), new Uint8Array(0));
    });

    it('places the file in target.directory, also when the upload was opened without a target', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(1000);
      const upload = await UploadDriver.open(storage, 'in-folder', bytes.byteLength);
      await upload.write(0, bytes, 100);
      const { location } = await upload.assemble({ ...target('up-folder', 'doc.pdf', bytes.byteLength), directory: 'team-7' });
      expect(location.split(/[\\/]/)).toContain('team-7');
      expectBytes(await readAssembled(location), bytes);
    });

    it('rejects writes to an upload that was never created', async () => {
      const { storage } = fixture();
      await expect(storage.write('never-created', 0, pieces(randomBytes(10), 10), undefined, { end: 9, totalSize: 10 })).rejects.toSatisfy(
        isStorageFailure,
      );
    });
  });
}

/**
 * Runs {@link shouldJoinUploads} on a storage that has `join` (disk, S3); a storage
 * without it is joined by the core, through the process, and needs no such suite.
 */
export function describeJoinConformance(name: string, setup: StorageSetup): void {
  describe(`Storage join conformance: ${name}`, () => {
    shouldJoinUploads(useStorageFixture(setup));
  });
}

/** `join` makes whole, sealed uploads the bytes of a new upload, which assembles to them in order. */
export function shouldJoinUploads(fixture: FixtureAccess): void {
  const MiB = 1024 * 1024;
  const joinParts = async (storage: Storage, sizes: readonly number[]) => {
    const join = storage.join?.bind(storage);
    if (join === undefined) throw new Error('This storage has no join');
    const bytes = sizes.map((size) => randomBytes(size));
    const placed = [];
    let offset = 0;
    for (const [index, part] of bytes.entries()) {
      const upload = await UploadDriver.open(storage, `part-${index}`, part.byteLength, target(`up-part-${index}`, `part-${index}.bin`, part.byteLength));
      await upload.write(0, part, 256 * 1024);
      await upload.seal();
      placed.push({ key: upload.key, offset, size: part.byteLength });
      offset += part.byteLength;
    }
    const goal = target('up-joined', 'joined.bin', offset);
    const joined = await UploadDriver.open(storage, 'joined', offset, goal);
    const written = await join(joined.key, placed);
    expect(written).toHaveLength(placed.length);
    for (const [index, part] of placed.entries()) {
      const chunk = written[index];
      if (chunk !== undefined) joined.adopt({ start: part.offset, end: part.offset + part.size - 1 }, chunk);
    }
    return { joined, goal, placed, whole: Buffer.concat(bytes), bytes };
  };

  describe('joins uploads', () => {
    it('assembles uploads of uneven sizes, tiny ones included, joined in order, to identical bytes', async () => {
      const { storage, readAssembled } = fixture();
      const { joined, goal, whole } = await joinParts(storage, [100 * 1024 + 1, 7, 300 * 1024]);
      const { location } = await joined.assemble(goal);
      expectBytes(await readAssembled(location), whole);
    });

    it('joins parts of 5 MiB and more (S3 copies them inside the store) with a small last one', async () => {
      const { storage, readAssembled } = fixture();
      const { joined, goal, whole } = await joinParts(storage, [5 * MiB + 3, 5 * MiB, 1000]);
      const { location } = await joined.assemble(goal);
      expectBytes(await readAssembled(location), whole);
    });

    it('leaves the parts readable until they are deleted, and the assembled file whole after that', async () => {
      const { storage, readAssembled } = fixture();
      const { joined, goal, whole, placed, bytes } = await joinParts(storage, [64 * 1024, 64 * 1024 + 5]);
      const { location } = await joined.assemble(goal);
      for (const [index, part] of placed.entries()) {
        expectBytes(await collect(storage.read(part.key, { start: 0, end: part.size - 1 })), bytes[index] ?? new Uint8Array(0));
      }
      for (const part of placed) await storage.delete(part.key);
      expectBytes(await readAssembled(location), whole);
    });
  });
}

/** A range of an upload in progress reads back exactly. */
export function shouldReadRanges(fixture: FixtureAccess): void {
  describe('reads ranges', () => {
    it('returns exactly the bytes of a range', async () => {
      const { storage } = fixture();
      const bytes = randomBytes(200 * 1024 + 3);
      const upload = await UploadDriver.open(storage, 'readable', bytes.byteLength);
      await upload.write(0, bytes, 50 * 1024);
      const last = bytes.byteLength - 1;
      const ranges: ByteRange[] = [
        { start: 0, end: 0 },
        { start: last, end: last },
        { start: 12_345, end: 150_000 },
        { start: 0, end: last },
      ];
      for (const range of ranges) {
        expectBytes(await upload.read(range), bytes.subarray(range.start, range.end + 1));
      }
    });

    it('reads a range written by a later chunk after an earlier one', async () => {
      const { storage } = fixture();
      const bytes = randomBytes(4096);
      const upload = await UploadDriver.open(storage, 'read-after', bytes.byteLength);
      await upload.write(2048, bytes.subarray(2048), 512);
      await upload.write(0, bytes.subarray(0, 2048), 512);
      expectBytes(await upload.read({ start: 1000, end: 3000 }), bytes.subarray(1000, 3001));
      // A storage that names a local file (for hashing threads) must hold the bytes there, at their offsets.
      const file = storage.localFile?.(upload.key);
      if (file !== undefined) expectBytes(new Uint8Array(await readFile(file)), bytes);
    });
  });
}

/** A body that fails midway rejects the write and leaves the range rewritable. */
export function shouldRecoverFromFailedBodies(fixture: FixtureAccess): void {
  describe('recovers from failed bodies', () => {
    it('rejects with the body error, and a rewrite of the range gives correct bytes', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(128 * 1024);
      const half = 64 * 1024;
      const failure = new Error('client went away');
      const goal = target('up-broken', 'broken.bin', bytes.byteLength);
      const upload = await UploadDriver.open(storage, 'broken', bytes.byteLength, goal);
      await upload.write(0, bytes.subarray(0, half), 8 * 1024);
      const garbage = randomBytes(half);
      await expect(upload.writeBody(half, half, failingBody(garbage.subarray(0, 20 * 1024), failure))).rejects.toBe(failure);
      await upload.write(half, bytes.subarray(half), 8 * 1024);
      const { location } = await upload.assemble(goal);
      expectBytes(await readAssembled(location), bytes);
    });
  });
}

/** Sealing and assembling are idempotent, and assembling never overwrites another file. */
export function shouldAssembleSafely(fixture: FixtureAccess): void {
  describe('assembles safely', () => {
    it('returns the same location when sealed and assembled again, bytes intact', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(10_000);
      const goal = target('up-twice', 'twice.bin', bytes.byteLength);
      const upload = await UploadDriver.open(storage, 'twice', bytes.byteLength, goal);
      await upload.write(0, bytes, 1000);
      const first = await upload.assemble(goal);
      // A process taking over from a finalizer that died after assembling, before the
      // upload was recorded complete, runs every step again.
      const second = await upload.assemble(goal);
      expect(second.location).toBe(first.location);
      expectBytes(await readAssembled(second.location), bytes);
    });

    it('gives two uploads with the same filename two locations, neither overwriting the other', async () => {
      const { storage, readAssembled } = fixture();
      const a = randomBytes(5000);
      const b = randomBytes(7000);
      const first = await uploadWhole(storage, 'same-a', a, target('up-same-a', 'report.pdf', a.byteLength), 1000);
      const second = await uploadWhole(storage, 'same-b', b, target('up-same-b', 'report.pdf', b.byteLength), 1000);
      expect(second).not.toBe(first);
      expectBytes(await readAssembled(first), a);
      expectBytes(await readAssembled(second), b);
    });

    it('rejects assembling an upload that was never created', async () => {
      const { storage } = fixture();
      await expect(storage.assemble('missing', target('up-missing', 'missing.bin', 0))).rejects.toSatisfy(isStorageFailure);
    });
  });
}

/** Deleting removes the bytes in progress, is idempotent and leaves assembled files. */
export function shouldDelete(fixture: FixtureAccess): void {
  describe('deletes', () => {
    it('is idempotent and removes the bytes in progress', async () => {
      const { storage } = fixture();
      const upload = await UploadDriver.open(storage, 'doomed', 100);
      await upload.write(0, randomBytes(100), 10);
      await storage.delete('doomed');
      await storage.delete('doomed');
      await storage.delete('never-created');
      await expect(collect(storage.read('doomed', { start: 0, end: 9 }))).rejects.toSatisfy(isStorageFailure);
    });

    it('removes an upload that was sealed but never assembled', async () => {
      const { storage } = fixture();
      const goal = target('up-sealed', 'sealed.bin', 5000);
      const upload = await UploadDriver.open(storage, 'sealed', 5000, goal);
      await upload.write(0, randomBytes(5000), 1000);
      await upload.seal();
      await storage.delete('sealed');
      await expect(collect(storage.read('sealed', { start: 0, end: 9 }))).rejects.toSatisfy(isStorageFailure);
      await expect(storage.assemble('sealed', goal)).rejects.toSatisfy(isStorageFailure);
    });

    it('leaves assembled files alone', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(3000);
      const location = await uploadWhole(storage, 'kept', bytes, target('up-kept', 'kept.bin', bytes.byteLength), 1000);
      await storage.delete('kept');
      await storage.delete('kept');
      expectBytes(await readAssembled(location), bytes);
    });
  });
}

function target(uploadId: string, filename: string, totalSize: number): AssembleTarget {
  return { uploadId, filename, totalSize };
}

function isStorageFailure(error: unknown): boolean {
  return isFragoError(error, 'STORAGE_FAILED');
}

/** Compares bytes without printing megabytes on failure. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)).toBe(true);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

/** `bytes` as a body of fixed-size pieces, each one a copy so no storage can rely on shared memory. */
async function* pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) {
    yield bytes.slice(offset, offset + size);
    await Promise.resolve();
  }
}

/** `bytes` as a body of pieces from 1 to 97 bytes. */
async function* unevenPieces(bytes: Uint8Array, random: () => number): AsyncIterable<Uint8Array> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const size = 1 + Math.floor(random() * 97);
    yield bytes.slice(offset, offset + size);
    offset += size;
  }
}

async function* failingBody(before: Uint8Array, failure: Error): AsyncIterable<Uint8Array> {
  yield* pieces(before, 4096);
  throw failure;
}

/** Splits `[0, total)` into consecutive ranges of `min` to `max` bytes (the last may be shorter). */
function unevenChunks(total: number, min: number, max: number, random: () => number): ByteRange[] {
  const chunks: ByteRange[] = [];
  for (let start = 0; start < total; ) {
    const size = Math.min(total - start, min + Math.floor(random() * (max - min + 1)));
    chunks.push({ start, end: start + size - 1 });
    start += size;
  }
  return chunks;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/** A small deterministic generator (xorshift32), so a failing chunk layout can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** `ping`: resolves while the storage answers. */
export function shouldAnswerStoragePings(fixture: FixtureAccess): void {
  describe('ping', () => {
    it('resolves while the storage answers', async () => {
      const { storage } = fixture();
      expect(storage.ping).toBeTypeOf('function');
      await expect(storage.ping?.()).resolves.toBeUndefined();
    });
  });
}

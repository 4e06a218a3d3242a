import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssembleTarget, ByteRange, Storage } from '@frago/core';
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
 * {@link shouldDelete}.
 */
export function describeStorageConformance(name: string, setup: StorageSetup): void {
  describe(`Storage conformance: ${name}`, () => {
    const fixture = useStorageFixture(setup);
    shouldWriteAndAssemble(fixture);
    shouldReadRanges(fixture);
    shouldRecoverFromFailedBodies(fixture);
    shouldAssembleSafely(fixture);
    shouldDelete(fixture);
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

/** Bytes go in at their offsets, in any order and in any pieces, and come out whole. */
export function shouldWriteAndAssemble(fixture: FixtureAccess): void {
  describe('writes and assembles', () => {
    it('assembles a file written in one chunk to identical bytes', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(256 * 1024);
      await storage.create('whole', bytes.byteLength);
      await storage.write('whole', 0, pieces(bytes, 16 * 1024));
      const { location } = await storage.assemble('whole', target('up-whole', 'whole.bin', bytes.byteLength));
      expectBytes(await readAssembled(location), bytes);
    });

    it('assembles uneven chunks written out of order and in parallel to identical bytes', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(3 * 1024 * 1024);
      const random = seededRandom(0x5eed);
      const chunks = shuffle(unevenChunks(bytes.byteLength, 64 * 1024, 1024 * 1024, random), random);
      await storage.create('parallel', bytes.byteLength);
      await Promise.all(
        chunks.map((chunk) => storage.write('parallel', chunk.start, pieces(bytes.subarray(chunk.start, chunk.end + 1), 32 * 1024))),
      );
      const { location } = await storage.assemble('parallel', target('up-parallel', 'parallel.bin', bytes.byteLength));
      expectBytes(await readAssembled(location), bytes);
    });

    it('takes a body delivered in many small pieces', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(64 * 1024 + 7);
      await storage.create('small-pieces', bytes.byteLength);
      await storage.write('small-pieces', 0, unevenPieces(bytes, seededRandom(7)));
      const { location } = await storage.assemble('small-pieces', target('up-small', 'small.bin', bytes.byteLength));
      expectBytes(await readAssembled(location), bytes);
    });

    it('assembles a zero-byte upload to an empty file', async () => {
      const { storage, readAssembled } = fixture();
      await storage.create('empty', 0);
      const { location } = await storage.assemble('empty', target('up-empty', 'empty.txt', 0));
      expectBytes(await readAssembled(location), new Uint8Array(0));
    });

    it('places the file in target.directory', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(1000);
      await storage.create('in-folder', bytes.byteLength);
      await storage.write('in-folder', 0, pieces(bytes, 100));
      const { location } = await storage.assemble('in-folder', { ...target('up-folder', 'doc.pdf', bytes.byteLength), directory: 'team-7' });
      expect(location.split(/[\\/]/)).toContain('team-7');
      expectBytes(await readAssembled(location), bytes);
    });

    it('rejects writes to an upload that was never created', async () => {
      const { storage } = fixture();
      await expect(storage.write('never-created', 0, pieces(randomBytes(10), 10))).rejects.toSatisfy(isStorageFailure);
    });
  });
}

/** A range of an upload in progress reads back exactly. */
export function shouldReadRanges(fixture: FixtureAccess): void {
  describe('reads ranges', () => {
    it('returns exactly the bytes of a range', async () => {
      const { storage } = fixture();
      const bytes = randomBytes(200 * 1024 + 3);
      await storage.create('readable', bytes.byteLength);
      await storage.write('readable', 0, pieces(bytes, 50 * 1024));
      const last = bytes.byteLength - 1;
      const ranges: ByteRange[] = [
        { start: 0, end: 0 },
        { start: last, end: last },
        { start: 12_345, end: 150_000 },
        { start: 0, end: last },
      ];
      for (const range of ranges) {
        expectBytes(await collect(storage.read('readable', range)), bytes.subarray(range.start, range.end + 1));
      }
    });

    it('reads a range written by a later chunk after an earlier one', async () => {
      const { storage } = fixture();
      const bytes = randomBytes(4096);
      await storage.create('read-after', bytes.byteLength);
      await storage.write('read-after', 2048, pieces(bytes.subarray(2048), 512));
      await storage.write('read-after', 0, pieces(bytes.subarray(0, 2048), 512));
      expectBytes(await collect(storage.read('read-after', { start: 1000, end: 3000 })), bytes.subarray(1000, 3001));
    });
  });
}

/** A body that fails midway rejects the write and leaves the range rewritable. */
export function shouldRecoverFromFailedBodies(fixture: FixtureAccess): void {
  describe('recovers from failed bodies', () => {
    it('rejects with the body error, and a rewrite of the range gives correct bytes', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(128 * 1024);
      const failure = new Error('client went away');
      await storage.create('broken', bytes.byteLength);
      await storage.write('broken', 0, pieces(bytes.subarray(0, 64 * 1024), 8 * 1024));
      const garbage = randomBytes(64 * 1024);
      await expect(storage.write('broken', 64 * 1024, failingBody(garbage.subarray(0, 20 * 1024), failure))).rejects.toBe(failure);
      await storage.write('broken', 64 * 1024, pieces(bytes.subarray(64 * 1024), 8 * 1024));
      const { location } = await storage.assemble('broken', target('up-broken', 'broken.bin', bytes.byteLength));
      expectBytes(await readAssembled(location), bytes);
    });
  });
}

/** Assembling is idempotent and never overwrites another file. */
export function shouldAssembleSafely(fixture: FixtureAccess): void {
  describe('assembles safely', () => {
    it('returns the same location when called again, bytes intact', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(10_000);
      await storage.create('twice', bytes.byteLength);
      await storage.write('twice', 0, pieces(bytes, 1000));
      const goal = target('up-twice', 'twice.bin', bytes.byteLength);
      const first = await storage.assemble('twice', goal);
      const second = await storage.assemble('twice', goal);
      expect(second.location).toBe(first.location);
      expectBytes(await readAssembled(second.location), bytes);
    });

    it('gives two uploads with the same filename two locations, neither overwriting the other', async () => {
      const { storage, readAssembled } = fixture();
      const a = randomBytes(5000);
      const b = randomBytes(7000);
      await storage.create('same-a', a.byteLength);
      await storage.create('same-b', b.byteLength);
      await storage.write('same-a', 0, pieces(a, 1000));
      await storage.write('same-b', 0, pieces(b, 1000));
      const first = await storage.assemble('same-a', target('up-same-a', 'report.pdf', a.byteLength));
      const second = await storage.assemble('same-b', target('up-same-b', 'report.pdf', b.byteLength));
      expect(second.location).not.toBe(first.location);
      expectBytes(await readAssembled(first.location), a);
      expectBytes(await readAssembled(second.location), b);
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
      await storage.create('doomed', 100);
      await storage.write('doomed', 0, pieces(randomBytes(100), 10));
      await storage.delete('doomed');
      await storage.delete('doomed');
      await storage.delete('never-created');
      await expect(collect(storage.read('doomed', { start: 0, end: 9 }))).rejects.toSatisfy(isStorageFailure);
    });

    it('leaves assembled files alone', async () => {
      const { storage, readAssembled } = fixture();
      const bytes = randomBytes(3000);
      await storage.create('kept', bytes.byteLength);
      await storage.write('kept', 0, pieces(bytes, 1000));
      const { location } = await storage.assemble('kept', target('up-kept', 'kept.bin', bytes.byteLength));
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

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteRange, ClaimResult, NewUpload, UploadRecord, UploadRepository, UploadStatus } from '@frago/core';
import { shouldRecordOneRequestUploads } from './repository-one-request.js';

/** An upload row as the test reads it from the store itself, not through the repository. */
export interface InspectedUpload {
  readonly status: UploadStatus;
  readonly owner: string | null;
  /** Null while the upload's size is deferred. */
  readonly totalSize: number | null;
  readonly hashOffset: number;
  /** Whether the upload goes direct; null when the store keeps no mode for it. */
  readonly direct: boolean | null;
}

/** A chunk row as the test reads it from the store itself. */
export interface InspectedChunk {
  readonly start: number;
  readonly end: number;
  readonly state: 'pending' | 'stored';
  readonly claimId: string;
}

/**
 * Reads what a repository has recorded by the store's own means (SQL for a database),
 * so the suite checks what is really stored rather than what the repository says.
 */
export interface RepositoryInspector {
  /** The upload's row, or null when there is none. */
  upload(id: string): Promise<InspectedUpload | null>;
  /** Every chunk row of the upload, ordered by `start`; empty when there are none. */
  chunks(uploadId: string): Promise<InspectedChunk[]>;
  /** The storage data kept with one chunk row; undefined when there is no such row. */
  storageData(uploadId: string, claimId: string): Promise<string | null | undefined>;
  /** The checksum value kept with one chunk row; undefined when there is no such row. */
  chunkChecksum(uploadId: string, claimId: string): Promise<string | null | undefined>;
}

/** A repository under test, with an independent view of its store. */
export interface RepositoryFixture {
  readonly repository: UploadRepository;
  readonly inspect: RepositoryInspector;
  /** Frees everything the fixture made (connections, databases, files). */
  teardown(): Promise<void>;
}

/**
 * Makes a {@link RepositoryFixture}; called once per suite. The tests share it and stay
 * apart by using fresh upload ids and owners, as concurrent users of one database do.
 */
export type RepositorySetup = () => Promise<RepositoryFixture>;

/** Gives the running test its fixture. */
export type RepositoryAccess = () => RepositoryFixture;

/**
 * Runs every repository capability suite on one implementation:
 * {@link shouldCreateAndRead}, {@link shouldListByOwner}, {@link shouldClaimRanges},
 * {@link shouldClaimAtomically}, {@link shouldStoreAndReleaseClaims},
 * {@link shouldTransitionAtomically}, {@link shouldSaveHashProgress},
 * {@link shouldSweepAndCount}, {@link shouldDeclareDeferredSizes},
 * {@link shouldMarkUploadsDirect} and {@link shouldRecordStoredRanges}; with
 * `optional.oneRequest`, for an implementation that has `createClaimed` and
 * `storeAndHold`, also {@link shouldRecordOneRequestUploads}.
 */
export function describeRepositoryConformance(name: string, setup: RepositorySetup, optional: { readonly oneRequest?: boolean } = {}): void {
  describe(`UploadRepository conformance: ${name}`, () => {
    const fixture = useRepositoryFixture(setup);
    shouldCreateAndRead(fixture);
    shouldListByOwner(fixture);
    shouldClaimRanges(fixture);
    shouldClaimAtomically(fixture);
    shouldStoreAndReleaseClaims(fixture);
    shouldTransitionAtomically(fixture);
    shouldSaveHashProgress(fixture);
    shouldSweepAndCount(fixture);
    shouldDeclareDeferredSizes(fixture);
    shouldMarkUploadsDirect(fixture);
    shouldRecordStoredRanges(fixture);
    shouldAnswerRepositoryPings(fixture);
    if (optional.oneRequest === true) shouldRecordOneRequestUploads(fixture);
  });
}

/**
 * Registers hooks that make the fixture before the first test of the enclosing
 * `describe` and tear it down after the last; returns its accessor. When the setup
 * fails (say, the database is down), every test fails with that error instead of
 * being reported as skipped.
 */
export function useRepositoryFixture(setup: RepositorySetup): RepositoryAccess {
  let current: RepositoryFixture | undefined;
  let failure: { readonly error: unknown } | undefined;
  beforeAll(async () => {
    try {
      current = await setup();
    } catch (error) {
      failure = { error };
    }
  });
  afterAll(async () => {
    await current?.teardown();
    current = undefined;
  });
  return () => {
    if (failure !== undefined) throw failure.error;
    if (current === undefined) throw new Error('The repository fixture is only available inside a test');
    return current;
  };
}

const T0 = Date.parse('2030-01-02T03:04:05.678Z');
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);
const SECOND = 1000;

/** A new upload with fresh id, key and owner, for repository tests; `overrides` replace any field. */
export function newUpload(overrides: Partial<NewUpload> = {}): NewUpload {
  const id = randomUUID();
  return {
    id,
    owner: `user:${randomUUID()}`,
    filename: 'report.pdf',
    totalSize: 1_000_000,
    storageKey: `uploads/${id}`,
    checksumAlgorithm: 'sha256',
    expectedChecksum: null,
    metadata: {},
    createdAt: at(0),
    expiresAt: at(24 * 3600 * SECOND),
    hash: { algorithm: 'sha256', offset: 0, state: null },
    ...overrides,
  };
}

/** Claim details with a fresh claim id; by default made at T0 and leased for a minute. */
function claimOf(options: { digest?: string | null; leaseUntil?: Date; now?: Date } = {}) {
  return {
    claimId: randomUUID(),
    digest: options.digest ?? null,
    leaseUntil: options.leaseUntil ?? at(60 * SECOND),
    now: options.now ?? at(0),
  };
}

function claimedId(result: ClaimResult): string {
  if (result.kind !== 'claimed') throw new Error(`expected a claim, got ${result.kind}`);
  return result.claimId;
}

function count<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length;
}

/** Creating an upload and reading it back, field for field. */
export function shouldCreateAndRead(fixture: RepositoryAccess): void {
  describe('create and get', () => {
    it('creates an in_progress upload and reads every field back unchanged', async () => {
      const { repository, inspect } = fixture();
      const upload = newUpload({
        owner: "user:o'brien\\?",
        filename: "résumé 'final' \\ v2?.pdf",
        totalSize: 2 ** 40 + 3,
        expectedChecksum: 'ab'.repeat(32),
        metadata: { nested: { list: [1, 'two', null, true], quote: "it's \\ ?" }, unicode: '✓ 文件' },
        createdAt: new Date('2030-01-02T03:04:05.678Z'),
        expiresAt: new Date('2030-01-03T03:04:05.001Z'),
      });

      const created = await repository.create(upload);

      const expected: UploadRecord = {
        ...upload,
        status: 'in_progress',
        checksum: null,
        location: null,
        completedAt: null,
        leaseUntil: null,
        direct: false,
      };
      expect(created).toEqual(expected);
      expect(await repository.get(upload.id)).toEqual(expected);
      expect(await inspect.upload(upload.id)).toEqual({
        status: 'in_progress',
        owner: upload.owner,
        totalSize: 2 ** 40 + 3,
        hashOffset: 0,
        direct: false,
      });
    });

    it('keeps metadata whose keys are object internals (constructor, __proto__, toString)', async () => {
      const { repository } = fixture();
      const metadata = JSON.parse('{"constructor":{"prototype":{"x":1}},"__proto__":{"polluted":true},"toString":"s","hasOwnProperty":5}') as Record<string, unknown>;
      const upload = newUpload({ metadata });
      await repository.create(upload);
      const read = await repository.get(upload.id);
      // Compared as entries: PostgreSQL's jsonb orders keys its own way.
      const entries = (value: object | undefined) => JSON.stringify(Object.entries(value ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(entries(read?.metadata)).toBe(entries(metadata));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('keeps an anonymous, empty upload', async () => {
      const { repository, inspect } = fixture();
      const upload = newUpload({ owner: null, totalSize: 0 });
      await repository.create(upload);
      expect(await repository.get(upload.id)).toMatchObject({ owner: null, totalSize: 0, status: 'in_progress' });
      expect(await inspect.upload(upload.id)).toMatchObject({ owner: null, totalSize: 0 });
    });

    it('returns null for an unknown upload', async () => {
      const { repository, inspect } = fixture();
      const id = randomUUID();
      expect(await repository.get(id)).toBeNull();
      expect(await inspect.upload(id)).toBeNull();
    });
  });
}

/** Listing one owner's uploads with keyset pagination. */
export function shouldListByOwner(fixture: RepositoryAccess): void {
  describe('list', () => {
    it("pages through one owner's uploads newest first, ties broken by id", async () => {
      const { repository } = fixture();
      const owner = `user:${randomUUID()}`;
      const mine = [
        ...[0, 1, 2, 3, 4].map((i) => newUpload({ owner, createdAt: at(i * SECOND) })),
        ...[0, 1, 2].map(() => newUpload({ owner, createdAt: at(10 * SECOND) })),
      ];
      for (const upload of mine) await repository.create(upload);
      const expected = [...mine]
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((upload) => upload.id);

      const pages: string[][] = [];
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await repository.list(owner, { limit: 3, after });
        if (page.length === 0) break;
        pages.push(page.map((upload) => upload.id));
        const last = page[page.length - 1];
        if (last === undefined) break;
        after = { createdAt: last.createdAt, id: last.id };
      }

      expect(pages.map((page) => page.length)).toEqual([3, 3, 2]);
      expect(pages.flat()).toEqual(expected);
    });

    it('never lists other owners or anonymous uploads', async () => {
      const { repository } = fixture();
      const owner = `user:${randomUUID()}`;
      const other = `user:${randomUUID()}`;
      const own = newUpload({ owner });
      await repository.create(own);
      await repository.create(newUpload({ owner: other, createdAt: at(SECOND) }));
      await repository.create(newUpload({ owner: null, createdAt: at(2 * SECOND) }));

      expect((await repository.list(owner, { limit: 100 })).map((upload) => upload.id)).toEqual([own.id]);
      expect(await repository.list(`user:${randomUUID()}`, { limit: 100 })).toEqual([]);
    });
  });
}

/** The outcomes of {@link UploadRepository.claimRange}, one at a time. */
export function shouldClaimRanges(fixture: RepositoryAccess): void {
  describe('claimRange', () => {
    it('claims a free range as a pending chunk', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const claim = claimOf({ digest: 'cafe' });

      expect(await repository.claimRange(upload.id, { start: 0, end: 99 }, claim)).toEqual({
        kind: 'claimed',
        claimId: claim.claimId,
      });
      expect(await repository.chunks(upload.id)).toEqual([
        {
          start: 0,
          end: 99,
          size: 100,
          state: 'pending',
          claimId: claim.claimId,
          digest: 'cafe',
          leaseUntil: claim.leaseUntil,
          storageData: null,
          checksum: null,
        },
      ]);
      expect(await inspect.chunks(upload.id)).toEqual([{ start: 0, end: 99, state: 'pending', claimId: claim.claimId }]);
    });

    it('reports the same stored range as a duplicate', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const first = claimOf({ digest: 'beef' });
      await repository.claimRange(upload.id, { start: 0, end: 99 }, first);
      expect(await repository.storeClaim(upload.id, first.claimId)).toBe(true);

      const again = await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf({ digest: 'beef' }));

      expect(again).toMatchObject({
        kind: 'duplicate',
        chunk: { start: 0, end: 99, state: 'stored', claimId: first.claimId, digest: 'beef' },
      });
      expect(await inspect.chunks(upload.id)).toEqual([{ start: 0, end: 99, state: 'stored', claimId: first.claimId }]);
    });

    it('reports the same live pending range as in flight', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const first = claimOf();
      await repository.claimRange(upload.id, { start: 100, end: 199 }, first);

      const again = await repository.claimRange(upload.id, { start: 100, end: 199 }, claimOf({ now: at(30 * SECOND) }));

      expect(again).toMatchObject({ kind: 'in_flight', chunk: { start: 100, end: 199, state: 'pending', claimId: first.claimId } });
      expect(await inspect.chunks(upload.id)).toHaveLength(1);
    });

    it('reports a range sharing a byte with a stored or live chunk as a conflict, and claims adjacent ranges', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const stored = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 99 }, stored);
      await repository.storeClaim(upload.id, stored.claimId);
      await repository.claimRange(upload.id, { start: 200, end: 299 }, claimOf());

      expect(await repository.claimRange(upload.id, { start: 50, end: 149 }, claimOf())).toMatchObject({
        kind: 'conflict',
        chunk: { start: 0, end: 99, state: 'stored' },
      });
      expect(await repository.claimRange(upload.id, { start: 299, end: 400 }, claimOf())).toMatchObject({
        kind: 'conflict',
        chunk: { start: 200, end: 299, state: 'pending' },
      });
      expect(await repository.claimRange(upload.id, { start: 0, end: 299 }, claimOf())).toMatchObject({ kind: 'conflict' });
      expect((await repository.claimRange(upload.id, { start: 100, end: 199 }, claimOf())).kind).toBe('claimed');
      expect((await repository.claimRange(upload.id, { start: 300, end: 300 }, claimOf())).kind).toBe('claimed');
      expect((await inspect.chunks(upload.id)).map((chunk) => [chunk.start, chunk.end])).toEqual([
        [0, 99],
        [100, 199],
        [200, 299],
        [300, 300],
      ]);
    });

    it('keeps byte offsets beyond 4 GiB exact', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload({ totalSize: 2 ** 34 }));
      const range = { start: 2 ** 33 + 1, end: 2 ** 33 + 2 ** 20 };

      await repository.claimRange(upload.id, range, claimOf());

      expect(await repository.chunks(upload.id)).toMatchObject([{ ...range, size: 2 ** 20 }]);
      expect(await inspect.chunks(upload.id)).toMatchObject([range]);
      expect((await repository.claimRange(upload.id, { start: 2 ** 33 + 2 ** 20, end: 2 ** 34 - 1 }, claimOf())).kind).toBe(
        'conflict',
      );
      expect((await repository.claimRange(upload.id, { start: 0, end: 2 ** 33 }, claimOf())).kind).toBe('claimed');
    });

    it('refuses claims unless the upload is in_progress', async () => {
      const { repository, inspect } = fixture();
      expect(await repository.claimRange(randomUUID(), { start: 0, end: 9 }, claimOf())).toEqual({
        kind: 'not_in_progress',
        upload: null,
      });
      const upload = await repository.create(newUpload());
      await repository.transition(upload.id, { status: 'in_progress' }, 'assembling', { leaseUntil: at(60 * SECOND) });

      const result = await repository.claimRange(upload.id, { start: 0, end: 9 }, claimOf());

      expect(result).toMatchObject({ kind: 'not_in_progress', upload: { id: upload.id, status: 'assembling' } });
      expect(await inspect.chunks(upload.id)).toEqual([]);
    });

    it('takes over abandoned claims, of the same range or an overlapping one', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const first = claimOf({ leaseUntil: at(10 * SECOND) });
      const second = claimOf({ leaseUntil: at(10 * SECOND) });
      await repository.claimRange(upload.id, { start: 0, end: 99 }, first);
      await repository.claimRange(upload.id, { start: 200, end: 299 }, second);
      const later = { now: at(20 * SECOND), leaseUntil: at(80 * SECOND) };

      const same = await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf(later));
      const overlapping = await repository.claimRange(upload.id, { start: 250, end: 349 }, claimOf(later));

      expect(await inspect.chunks(upload.id)).toEqual([
        { start: 0, end: 99, state: 'pending', claimId: claimedId(same) },
        { start: 250, end: 349, state: 'pending', claimId: claimedId(overlapping) },
      ]);
      expect(await repository.storeClaim(upload.id, first.claimId)).toBe(false);
      expect(await repository.storeClaim(upload.id, second.claimId)).toBe(false);
    });

    it('takes over every abandoned claim a range covers, and then meets the live chunk behind them', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const abandoned = { leaseUntil: at(10 * SECOND) };
      for (const start of [0, 100, 300]) await repository.claimRange(upload.id, { start, end: start + 99 }, claimOf(abandoned));
      const live = claimOf({ leaseUntil: at(60 * SECOND) });
      await repository.claimRange(upload.id, { start: 400, end: 499 }, live);
      const later = { now: at(20 * SECOND), leaseUntil: at(80 * SECOND) };

      const covering = await repository.claimRange(upload.id, { start: 0, end: 199 }, claimOf(later));
      const blocked = await repository.claimRange(upload.id, { start: 300, end: 499 }, claimOf(later));

      expect(covering.kind).toBe('claimed');
      expect(blocked).toMatchObject({ kind: 'conflict', chunk: { start: 400, end: 499, claimId: live.claimId } });
      expect((await inspect.chunks(upload.id)).map((chunk) => [chunk.start, chunk.end, chunk.claimId])).toEqual([
        [0, 199, claimedId(covering)],
        [400, 499, live.claimId],
      ]);
    });

    it('does not take over a claim whose lease is still running', async () => {
      const { repository } = fixture();
      const upload = await repository.create(newUpload());
      await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf({ leaseUntil: at(10 * SECOND) }));

      expect((await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf({ now: at(9 * SECOND) }))).kind).toBe(
        'in_flight',
      );
      expect((await repository.claimRange(upload.id, { start: 50, end: 149 }, claimOf({ now: at(9 * SECOND) }))).kind).toBe(
        'conflict',
      );
    });

    it('lists chunks ordered by start', async () => {
      const { repository } = fixture();
      const upload = await repository.create(newUpload());
      for (const start of [300, 0, 100]) await repository.claimRange(upload.id, { start, end: start + 99 }, claimOf());

      expect((await repository.chunks(upload.id)).map((chunk) => chunk.start)).toEqual([0, 100, 300]);
      expect(await repository.chunks(randomUUID())).toEqual([]);
    });

    it('lists a window of chunks: those ending at or after an offset, at most a limit', async () => {
      const { repository } = fixture();
      const upload = await repository.create(newUpload());
      for (const start of [400, 0, 300, 100]) {
        const claim = claimOf();
        await repository.claimRange(upload.id, { start, end: start + 99 }, claim);
        if (start !== 300) await repository.storeClaim(upload.id, claim.claimId);
      }
      const window = async (from: number, limit: number) =>
        (await repository.chunks(upload.id, { from, limit })).map((chunk) => [chunk.start, chunk.state]);

      expect(await window(0, 1)).toEqual([[0, 'stored']]);
      expect(await window(150, 2)).toEqual([
        [100, 'stored'],
        [300, 'pending'],
      ]);
      expect(await window(199, 10)).toEqual([
        [100, 'stored'],
        [300, 'pending'],
        [400, 'stored'],
      ]);
      expect(await window(200, 10)).toEqual([
        [300, 'pending'],
        [400, 'stored'],
      ]);
      expect(await window(500, 10)).toEqual([]);
      expect(await repository.chunks(randomUUID(), { from: 0, limit: 10 })).toEqual([]);
    });
  });
}

/** Concurrent claims: two overlapping claims never both win. */
export function shouldClaimAtomically(fixture: RepositoryAccess): void {
  describe('concurrent claims', () => {
    it('lets exactly one of many concurrent claims of the same range win', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());

      const results = await Promise.all(
        Array.from({ length: 12 }, () => repository.claimRange(upload.id, { start: 0, end: 999 }, claimOf())),
      );

      expect(count(results, (result) => result.kind === 'claimed')).toBe(1);
      expect(count(results, (result) => result.kind === 'in_flight')).toBe(11);
      const winner = results.find((result) => result.kind === 'claimed');
      expect(await inspect.chunks(upload.id)).toEqual([
        { start: 0, end: 999, state: 'pending', claimId: winner === undefined ? '' : claimedId(winner) },
      ]);
    });

    it('lets exactly one of many concurrent overlapping claims win', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      // Every range holds byte 500, so any two of them overlap.
      const ranges: ByteRange[] = [
        { start: 0, end: 500 },
        { start: 500, end: 999 },
        { start: 250, end: 750 },
        { start: 400, end: 600 },
        { start: 500, end: 500 },
        { start: 100, end: 900 },
        { start: 499, end: 501 },
        { start: 450, end: 549 },
      ];

      const results = await Promise.all(ranges.map((range) => repository.claimRange(upload.id, range, claimOf())));

      expect(count(results, (result) => result.kind === 'claimed')).toBe(1);
      expect(count(results, (result) => result.kind === 'conflict')).toBe(ranges.length - 1);
      const chunks = await inspect.chunks(upload.id);
      const winner = ranges[results.findIndex((result) => result.kind === 'claimed')];
      expect(chunks).toEqual([{ ...winner, state: 'pending', claimId: expect.any(String) }]);
    });

    it('lets exactly one of many concurrent claims take over an abandoned claim', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf({ leaseUntil: at(SECOND) }));
      const later = { now: at(2 * SECOND), leaseUntil: at(60 * SECOND) };

      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          repository.claimRange(upload.id, i % 2 === 0 ? { start: 0, end: 99 } : { start: 50, end: 149 }, claimOf(later)),
        ),
      );

      expect(count(results, (result) => result.kind === 'claimed')).toBe(1);
      expect(await inspect.chunks(upload.id)).toHaveLength(1);
    });
  });
}

/** Storing, releasing and renewing claims. */
export function shouldStoreAndReleaseClaims(fixture: RepositoryAccess): void {
  describe('storeClaim, releaseClaim, renewClaim', () => {
    it('stores a pending claim', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const claim = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 9 }, claim);

      expect(await repository.storeClaim(upload.id, claim.claimId)).toBe(true);

      expect(await inspect.chunks(upload.id)).toEqual([{ start: 0, end: 9, state: 'stored', claimId: claim.claimId }]);
      expect(await repository.chunks(upload.id)).toMatchObject([{ state: 'stored', leaseUntil: null }]);
    });

    it('keeps what the storage returned with the stored chunk and hands it back unchanged', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const withData = claimOf();
      const without = claimOf();
      const pending = claimOf();
      // Opaque to the repository: quotes, backslashes, unicode and a few kilobytes must survive.
      const data = JSON.stringify({ parts: [[1, '"9b2cf535f27731c974343645a3985328"']], note: "it's \\ ✓", pad: 'x'.repeat(4000) });
      await repository.claimRange(upload.id, { start: 0, end: 99 }, withData);
      await repository.claimRange(upload.id, { start: 100, end: 199 }, without);
      await repository.claimRange(upload.id, { start: 200, end: 299 }, pending);

      expect(await repository.storeClaim(upload.id, withData.claimId, data)).toBe(true);
      expect(await repository.storeClaim(upload.id, without.claimId)).toBe(true);

      expect((await repository.chunks(upload.id)).map((chunk) => chunk.storageData)).toEqual([data, null, null]);
      expect(await inspect.storageData(upload.id, withData.claimId)).toBe(data);
      expect(await inspect.storageData(upload.id, without.claimId)).toBeNull();
      expect(await inspect.storageData(upload.id, pending.claimId)).toBeNull();
      expect(await inspect.storageData(upload.id, randomUUID())).toBeUndefined();
      const again = await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf());
      expect(again).toMatchObject({ kind: 'duplicate', chunk: { storageData: data } });
    });

    it("keeps the chunk's checksum value with the stored chunk and hands it back with duplicates", async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload({ checksumAlgorithm: 'crc64nvme', hash: { algorithm: 'crc64nvme', offset: 0, state: null } }));
      const withValue = claimOf();
      const without = claimOf();
      const pending = claimOf();
      const value = 'crc64nvme:ae8b14860a799888';
      await repository.claimRange(upload.id, { start: 0, end: 99 }, withValue);
      await repository.claimRange(upload.id, { start: 100, end: 199 }, without);
      await repository.claimRange(upload.id, { start: 200, end: 299 }, pending);

      expect(await repository.storeClaim(upload.id, withValue.claimId, 'part 1', value)).toBe(true);
      expect(await repository.storeClaim(upload.id, without.claimId, null)).toBe(true);

      expect((await repository.chunks(upload.id)).map((chunk) => [chunk.storageData, chunk.checksum ?? null])).toEqual([
        ['part 1', value],
        [null, null],
        [null, null],
      ]);
      expect(await repository.chunks(upload.id, { from: 50, limit: 1 })).toMatchObject([{ start: 0, checksum: value }]);
      expect(await inspect.chunkChecksum(upload.id, withValue.claimId)).toBe(value);
      expect(await inspect.chunkChecksum(upload.id, without.claimId)).toBeNull();
      expect(await inspect.chunkChecksum(upload.id, pending.claimId)).toBeNull();
      expect(await inspect.chunkChecksum(upload.id, randomUUID())).toBeUndefined();
      const again = await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf());
      expect(again).toMatchObject({ kind: 'duplicate', chunk: { checksum: value } });
    });

    it('refuses to store a claim that does not exist or belongs to another upload', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const other = await repository.create(newUpload());
      const claim = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 9 }, claim);

      expect(await repository.storeClaim(upload.id, randomUUID())).toBe(false);
      expect(await repository.storeClaim(other.id, claim.claimId)).toBe(false);
      expect(await repository.storeClaim(randomUUID(), claim.claimId)).toBe(false);
      expect(await inspect.chunks(upload.id)).toMatchObject([{ state: 'pending' }]);
    });

    it('refuses to store while the upload is not in_progress, and stores again once it is back', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const claim = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 9 }, claim);
      await repository.transition(upload.id, { status: 'in_progress' }, 'assembling', { leaseUntil: at(60 * SECOND) });

      expect(await repository.storeClaim(upload.id, claim.claimId)).toBe(false);
      expect(await inspect.chunks(upload.id)).toMatchObject([{ state: 'pending' }]);

      await repository.transition(upload.id, { status: 'assembling' }, 'in_progress', { leaseUntil: null });
      expect(await repository.storeClaim(upload.id, claim.claimId)).toBe(true);
      expect(await inspect.chunks(upload.id)).toMatchObject([{ state: 'stored' }]);
    });

    it('releases a pending claim, leaves stored chunks alone, and is idempotent', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const stored = claimOf();
      const pending = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 99 }, stored);
      await repository.storeClaim(upload.id, stored.claimId);
      await repository.claimRange(upload.id, { start: 100, end: 199 }, pending);

      await repository.releaseClaim(upload.id, stored.claimId);
      await repository.releaseClaim(upload.id, pending.claimId);
      await repository.releaseClaim(upload.id, pending.claimId);
      await repository.releaseClaim(randomUUID(), randomUUID());

      expect(await inspect.chunks(upload.id)).toEqual([{ start: 0, end: 99, state: 'stored', claimId: stored.claimId }]);
      expect((await repository.claimRange(upload.id, { start: 100, end: 199 }, claimOf())).kind).toBe('claimed');
    });

    it('renews the lease of a pending claim so that it is not taken over', async () => {
      const { repository } = fixture();
      const upload = await repository.create(newUpload());
      const claim = claimOf({ leaseUntil: at(10 * SECOND) });
      await repository.claimRange(upload.id, { start: 0, end: 99 }, claim);

      expect(await repository.renewClaim(upload.id, claim.claimId, at(60 * SECOND))).toBe(true);
      expect(await repository.renewClaim(upload.id, randomUUID(), at(60 * SECOND))).toBe(false);

      const later = await repository.claimRange(upload.id, { start: 0, end: 99 }, claimOf({ now: at(30 * SECOND) }));
      expect(later).toMatchObject({ kind: 'in_flight', chunk: { claimId: claim.claimId, leaseUntil: at(60 * SECOND) } });
    });
  });
}

/** Status transitions as compare-and-set, alone and under concurrency. */
export function shouldTransitionAtomically(fixture: RepositoryAccess): void {
  describe('transition', () => {
    it('moves the status and applies the patch in one step', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());

      const assembling = await repository.transition(upload.id, { status: 'in_progress' }, 'assembling', {
        leaseUntil: at(60 * SECOND),
      });
      expect(assembling).toMatchObject({ id: upload.id, status: 'assembling', leaseUntil: at(60 * SECOND) });
      expect(await inspect.upload(upload.id)).toMatchObject({ status: 'assembling' });

      const complete = await repository.transition(upload.id, { status: 'assembling' }, 'complete', {
        checksum: 'ab'.repeat(16),
        checksumAlgorithm: 'md5',
        location: "/files/2030/résumé 'final'.pdf",
        completedAt: at(61 * SECOND),
        leaseUntil: null,
      });
      const expected: UploadRecord = {
        ...upload,
        status: 'complete',
        checksum: 'ab'.repeat(16),
        checksumAlgorithm: 'md5',
        location: "/files/2030/résumé 'final'.pdf",
        completedAt: at(61 * SECOND),
        leaseUntil: null,
      };
      expect(complete).toEqual(expected);
      expect(await repository.get(upload.id)).toEqual(expected);
      expect(await inspect.upload(upload.id)).toMatchObject({ status: 'complete' });
    });

    it('changes nothing when the status does not match', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());

      expect(await repository.transition(upload.id, { status: 'assembling' }, 'complete', { checksum: 'x' })).toBeNull();
      expect(await repository.transition(randomUUID(), { status: 'in_progress' }, 'assembling')).toBeNull();

      expect(await inspect.upload(upload.id)).toMatchObject({ status: 'in_progress' });
      expect(await repository.get(upload.id)).toMatchObject({ checksum: null });
    });

    it('lets exactly one of many concurrent identical transitions win', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          repository.transition(upload.id, { status: 'in_progress' }, 'assembling', { leaseUntil: at((60 + i) * SECOND) }),
        ),
      );

      expect(count(results, (result) => result !== null)).toBe(1);
      const winner = results.find((result) => result !== null);
      expect(await repository.get(upload.id)).toMatchObject({ status: 'assembling', leaseUntil: winner?.leaseUntil });
      expect(await inspect.upload(upload.id)).toMatchObject({ status: 'assembling' });
    });

    it('lets another finalizer take over an assembling upload only once its lease ran out', async () => {
      const { repository } = fixture();
      const upload = await repository.create(newUpload());
      await repository.transition(upload.id, { status: 'in_progress' }, 'assembling', { leaseUntil: at(60 * SECOND) });

      expect(
        await repository.transition(upload.id, { status: 'assembling', leaseExpiredBefore: at(30 * SECOND) }, 'assembling', {
          leaseUntil: at(90 * SECOND),
        }),
      ).toBeNull();
      expect(
        await repository.transition(upload.id, { status: 'assembling', leaseExpiredBefore: at(60 * SECOND) }, 'assembling', {
          leaseUntil: at(90 * SECOND),
        }),
      ).toBeNull();

      const takeovers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          repository.transition(upload.id, { status: 'assembling', leaseExpiredBefore: at(70 * SECOND) }, 'assembling', {
            leaseUntil: at((130 + i) * SECOND),
          }),
        ),
      );

      expect(count(takeovers, (result) => result !== null)).toBe(1);
      expect((await repository.get(upload.id))?.leaseUntil).toEqual(takeovers.find((result) => result !== null)?.leaseUntil);
    });

    it('returns to in_progress after a failed checksum, keeping the chunks', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const claim = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 99 }, claim);
      await repository.storeClaim(upload.id, claim.claimId);
      await repository.transition(upload.id, { status: 'in_progress' }, 'assembling', { leaseUntil: at(60 * SECOND) });

      const back = await repository.transition(upload.id, { status: 'assembling' }, 'in_progress', { leaseUntil: null });

      expect(back).toMatchObject({ status: 'in_progress', leaseUntil: null });
      expect(await inspect.chunks(upload.id)).toEqual([{ start: 0, end: 99, state: 'stored', claimId: claim.claimId }]);
      expect((await repository.claimRange(upload.id, { start: 100, end: 199 }, claimOf())).kind).toBe('claimed');
    });

    it('aborts a held upload straight from assembling, its lease cleared, and only once', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      await repository.transition(upload.id, { status: 'in_progress' }, 'assembling', { leaseUntil: at(60 * SECOND) });

      const moves = await Promise.all([1, 2, 3].map(() => repository.transition(upload.id, { status: 'assembling' }, 'aborted', { leaseUntil: null })));

      const won = moves.filter((moved) => moved !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ status: 'aborted', leaseUntil: null });
      expect(await inspect.upload(upload.id)).toMatchObject({ status: 'aborted' });
      expect(await repository.transition(upload.id, { status: 'assembling' }, 'in_progress', { leaseUntil: null })).toBeNull();
      expect(await repository.transition(upload.id, { status: 'in_progress' }, 'aborted')).toBeNull();
    });
  });
}

/** Saving the whole-file checksum's progress as compare-and-set. */
export function shouldSaveHashProgress(fixture: RepositoryAccess): void {
  describe('saveHashProgress', () => {
    it('saves progress only from the offset saved last', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());

      expect(
        await repository.saveHashProgress(upload.id, 0, { algorithm: 'sha256', offset: 100, state: new Uint8Array([1, 2, 255]) }),
      ).toBe(true);
      expect(await repository.saveHashProgress(upload.id, 0, { algorithm: 'sha256', offset: 200, state: new Uint8Array([9]) })).toBe(
        false,
      );
      expect((await repository.get(upload.id))?.hash).toEqual({
        algorithm: 'sha256',
        offset: 100,
        state: new Uint8Array([1, 2, 255]),
      });
      expect(await inspect.upload(upload.id)).toMatchObject({ hashOffset: 100 });

      const big = 2 ** 35 + 17;
      expect(await repository.saveHashProgress(upload.id, 100, { algorithm: 'sha256', offset: big, state: new Uint8Array(0) })).toBe(
        true,
      );
      expect((await repository.get(upload.id))?.hash.offset).toBe(big);
      expect(await repository.saveHashProgress(randomUUID(), 0, { algorithm: 'sha256', offset: 1, state: null })).toBe(false);
    });

    it('lets exactly one of concurrent savers from the same offset win', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());

      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          repository.saveHashProgress(upload.id, 0, { algorithm: 'sha256', offset: (i + 1) * 10, state: new Uint8Array([i]) }),
        ),
      );

      expect(count(results, (saved) => saved)).toBe(1);
      const winner = results.indexOf(true);
      expect(await inspect.upload(upload.id)).toMatchObject({ hashOffset: (winner + 1) * 10 });
      expect((await repository.get(upload.id))?.hash.state).toEqual(new Uint8Array([winner]));
    });
  });
}

/** Sweeping, deleting and counting. */
export function shouldSweepAndCount(fixture: RepositoryAccess): void {
  describe('findExpired, delete, countActive', () => {
    it('finds in_progress and aborted uploads past their expiry and expired ones, never complete or assembling ones', async () => {
      const { repository } = fixture();
      const now = at(7 * 24 * 3600 * SECOND);
      const past = new Date(now.getTime() - SECOND);
      const future = new Date(now.getTime() + 3600 * SECOND);
      const create = (expiresAt: Date) => repository.create(newUpload({ expiresAt }));
      const lapsed = await create(past);
      const running = await create(future);
      const endingNow = await create(now);
      const expired = await create(future);
      await repository.transition(expired.id, { status: 'in_progress' }, 'expired');
      const aborted = await create(past);
      await repository.transition(aborted.id, { status: 'in_progress' }, 'aborted');
      const tombstone = await create(future);
      await repository.transition(tombstone.id, { status: 'in_progress' }, 'aborted');
      const complete = await create(past);
      await repository.transition(complete.id, { status: 'in_progress' }, 'assembling');
      await repository.transition(complete.id, { status: 'assembling' }, 'complete', { completedAt: past });
      const assembling = await create(past);
      await repository.transition(assembling.id, { status: 'in_progress' }, 'assembling', { leaseUntil: future });

      const found = await repository.findExpired(now, 100_000);

      const ids = found.map((upload) => upload.id);
      expect(ids).toEqual(expect.arrayContaining([lapsed.id, expired.id, aborted.id]));
      for (const kept of [running, endingNow, tombstone, complete, assembling]) expect(ids).not.toContain(kept.id);
      expect(found.filter((upload) => upload.status === 'complete')).toEqual([]);
      expect((await repository.findExpired(now, 2)).length).toBeLessThanOrEqual(2);
    });

    it('deletes an upload with all its chunks, idempotently', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const stored = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 99 }, stored);
      await repository.storeClaim(upload.id, stored.claimId);
      await repository.claimRange(upload.id, { start: 100, end: 199 }, claimOf());

      await repository.delete(upload.id);
      await repository.delete(upload.id);
      await repository.delete(randomUUID());

      expect(await repository.get(upload.id)).toBeNull();
      expect(await inspect.upload(upload.id)).toBeNull();
      expect(await inspect.chunks(upload.id)).toEqual([]);
    });

    it("deletes an upload's chunks, pending and stored, keeping its record, idempotently", async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const other = await repository.create(newUpload());
      const stored = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 99 }, stored);
      await repository.storeClaim(upload.id, stored.claimId);
      const pending = claimOf();
      await repository.claimRange(upload.id, { start: 100, end: 199 }, pending);
      await repository.claimRange(other.id, { start: 0, end: 99 }, claimOf());
      await repository.transition(upload.id, { status: 'in_progress' }, 'aborted');

      await repository.deleteChunks(upload.id);
      await repository.deleteChunks(upload.id);
      await repository.deleteChunks(randomUUID());

      expect(await inspect.chunks(upload.id)).toEqual([]);
      expect(await inspect.upload(upload.id)).toMatchObject({ status: 'aborted' });
      expect(await repository.storeClaim(upload.id, pending.claimId)).toBe(false);
      expect(await inspect.chunks(other.id)).toHaveLength(1);
    });

    it("counts an owner's in_progress and assembling uploads", async () => {
      const { repository } = fixture();
      const owner = `user:${randomUUID()}`;
      const make = async (to?: UploadStatus) => {
        const upload = await repository.create(newUpload({ owner }));
        if (to === 'complete') {
          await repository.transition(upload.id, { status: 'in_progress' }, 'assembling');
          await repository.transition(upload.id, { status: 'assembling' }, 'complete');
        } else if (to !== undefined) {
          await repository.transition(upload.id, { status: 'in_progress' }, to);
        }
      };
      await make();
      await make();
      await make('assembling');
      await make('complete');
      await make('aborted');
      await make('expired');
      await repository.create(newUpload());

      expect(await repository.countActive(owner)).toBe(3);
      expect(await repository.countActive(`user:${randomUUID()}`)).toBe(0);
    });
  });
}

/** `ping`: resolves while the database answers, and changes nothing. */
export function shouldAnswerRepositoryPings(fixture: RepositoryAccess): void {
  describe('ping', () => {
    it('resolves while the database answers and records nothing', async () => {
      const { repository } = fixture();
      expect(repository.ping).toBeTypeOf('function');
      const owner = `pinged-${Math.random()}`;
      await expect(repository.ping?.()).resolves.toBeUndefined();
      expect(await repository.list(owner, { limit: 10 })).toEqual([]);
    });
  });
}

/** Uploads created with their size deferred, and `declareSize` as a compare-and-set. */
export function shouldDeclareDeferredSizes(fixture: RepositoryAccess): void {
  const declare = (repository: UploadRepository, id: string, size: number): Promise<UploadRecord | null> => {
    if (repository.declareSize === undefined) throw new Error('This repository cannot defer sizes: it has no declareSize');
    return repository.declareSize(id, size);
  };

  describe('declareSize', () => {
    it('keeps an upload whose size is deferred, and declares it once', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload({ totalSize: null }));
      expect(upload.totalSize).toBeNull();
      expect(await repository.get(upload.id)).toMatchObject({ totalSize: null, status: 'in_progress' });
      expect(await inspect.upload(upload.id)).toMatchObject({ totalSize: null });

      expect(await declare(repository, upload.id, 2 ** 40 + 5)).toMatchObject({ id: upload.id, totalSize: 2 ** 40 + 5 });
      expect(await declare(repository, upload.id, 2 ** 40 + 5)).toBeNull();
      expect(await declare(repository, upload.id, 7)).toBeNull();

      expect(await repository.get(upload.id)).toMatchObject({ totalSize: 2 ** 40 + 5 });
      expect(await inspect.upload(upload.id)).toMatchObject({ totalSize: 2 ** 40 + 5 });
    });

    it('refuses a size that a stored or pending chunk reaches past, and takes one that ends with them', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload({ totalSize: null }));
      const stored = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 99 }, stored);
      await repository.storeClaim(upload.id, stored.claimId);
      await repository.claimRange(upload.id, { start: 100, end: 149 }, claimOf());

      expect(await declare(repository, upload.id, 100)).toBeNull();
      expect(await declare(repository, upload.id, 149)).toBeNull();
      expect(await inspect.upload(upload.id)).toMatchObject({ totalSize: null });

      expect(await declare(repository, upload.id, 150)).toMatchObject({ totalSize: 150 });
    });

    it('refuses an upload whose size is known, one not in_progress, and an unknown one', async () => {
      const { repository, inspect } = fixture();
      const known = await repository.create(newUpload({ totalSize: 10 }));
      const aborted = await repository.create(newUpload({ totalSize: null }));
      await repository.transition(aborted.id, { status: 'in_progress' }, 'aborted');

      expect(await declare(repository, known.id, 20)).toBeNull();
      expect(await declare(repository, aborted.id, 20)).toBeNull();
      expect(await declare(repository, randomUUID(), 20)).toBeNull();

      expect(await inspect.upload(known.id)).toMatchObject({ totalSize: 10 });
      expect(await inspect.upload(aborted.id)).toMatchObject({ totalSize: null, status: 'aborted' });
    });

    it('lets exactly one of many concurrent declarations win', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload({ totalSize: null }));

      const results = await Promise.all(Array.from({ length: 8 }, (_, index) => declare(repository, upload.id, 1000 + index)));

      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      expect(await inspect.upload(upload.id)).toMatchObject({ totalSize: winners[0]?.totalSize });
    });
  });
}

/** An upload's mode: not direct when created, and `markDirect` for one in progress. */
export function shouldMarkUploadsDirect(fixture: RepositoryAccess): void {
  const mark = (repository: UploadRepository, id: string): Promise<boolean> => {
    if (repository.markDirect === undefined) throw new Error('This repository keeps no mode: it has no markDirect');
    return repository.markDirect(id);
  };

  describe('markDirect', () => {
    it('creates uploads that are not direct, and marks one direct, idempotently', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload());
      const other = await repository.create(newUpload());
      expect(upload.direct).toBe(false);
      expect(await inspect.upload(upload.id)).toMatchObject({ direct: false });

      expect(await mark(repository, upload.id)).toBe(true);
      expect(await mark(repository, upload.id)).toBe(true);

      expect(await repository.get(upload.id)).toMatchObject({ direct: true, status: 'in_progress' });
      expect(await inspect.upload(upload.id)).toMatchObject({ direct: true });
      expect(await inspect.upload(other.id)).toMatchObject({ direct: false });
    });

    it('marks no upload that is not in progress, and no unknown one', async () => {
      const { repository, inspect } = fixture();
      const aborted = await repository.create(newUpload());
      await repository.transition(aborted.id, { status: 'in_progress' }, 'aborted');

      expect(await mark(repository, aborted.id)).toBe(false);
      expect(await mark(repository, randomUUID())).toBe(false);

      expect(await inspect.upload(aborted.id)).toMatchObject({ direct: false, status: 'aborted' });
    });
  });
}

/** `recordStored`: many ranges recorded stored at once, each as a claim and its store would be. */
export function shouldRecordStoredRanges(fixture: RepositoryAccess): void {
  const record = (repository: UploadRepository, id: string, ranges: Array<ByteRange & { storageData?: string }>, now = at(0)) => {
    if (repository.recordStored === undefined) throw new Error('This repository records no ranges at once: it has no recordStored');
    return repository.recordStored(
      id,
      ranges.map(({ start, end, storageData }) => ({ start, end, claimId: randomUUID(), digest: `etag:${start}`, storageData: storageData ?? null })),
      now,
    );
  };

  describe('recordStored', () => {
    it('records free ranges stored with their data, leaves out those meeting a stored chunk or a live claim, and takes over abandoned claims', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload({ totalSize: 1000 }));
      const stored = claimOf();
      await repository.claimRange(upload.id, { start: 0, end: 99 }, stored);
      await repository.storeClaim(upload.id, stored.claimId);
      const live = claimOf({ leaseUntil: at(60 * SECOND) });
      await repository.claimRange(upload.id, { start: 200, end: 299 }, live);
      const abandoned = claimOf({ leaseUntil: at(-SECOND) });
      await repository.claimRange(upload.id, { start: 300, end: 399 }, abandoned);

      const recorded = await record(repository, upload.id, [
        { start: 0, end: 99 },
        { start: 100, end: 199, storageData: 'part 2' },
        { start: 250, end: 260 },
        { start: 300, end: 399, storageData: 'part 4' },
        { start: 400, end: 999, storageData: 'part 5' },
      ]);

      expect(recorded).toBe(3);
      const chunks = await inspect.chunks(upload.id);
      expect(chunks.map(({ start, end, state }) => [start, end, state])).toEqual([
        [0, 99, 'stored'],
        [100, 199, 'stored'],
        [200, 299, 'pending'],
        [300, 399, 'stored'],
        [400, 999, 'stored'],
      ]);
      const dataOf = (start: number) => inspect.storageData(upload.id, chunks.find((chunk) => chunk.start === start)?.claimId ?? '');
      expect([await dataOf(0), await dataOf(100), await dataOf(300), await dataOf(400)]).toEqual([null, 'part 2', 'part 4', 'part 5']);
      expect((await repository.chunks(upload.id)).find((chunk) => chunk.start === 100)).toMatchObject({ digest: 'etag:100', leaseUntil: null });
    });

    it('records nothing for an upload that is not in progress, or unknown', async () => {
      const { repository, inspect } = fixture();
      const upload = await repository.create(newUpload({ totalSize: 1000 }));
      await repository.transition(upload.id, { status: 'in_progress' }, 'assembling');

      expect(await record(repository, upload.id, [{ start: 0, end: 499 }, { start: 500, end: 999 }])).toBe(0);
      expect(await record(repository, randomUUID(), [{ start: 0, end: 9 }])).toBe(0);

      expect(await inspect.chunks(upload.id)).toEqual([]);
    });
  });
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewUpload } from '@frago/core';
import { newUpload as uploadFixture } from '@frago/testing';
import { dialectOf } from '../src/_dialect.js';
import { runnerFor } from '../src/_runner.js';
import type { StatementRunner } from '../src/_statements.js';
import { FragoChunk, FragoUpload, MikroOrmRepository } from '../src/index.js';
import { DRIVER_LABELS, DRIVERS, openFresh, type TestOrm } from './_databases.js';

// The repository runs its SQL beside the ORM, on the driver's native client where it has
// one. These tests hold it to what the ORM sees: rows one side writes read the same on
// the other.

/** An opened test database and a way to remove it. */
interface Database {
  readonly orm: TestOrm;
  drop(): Promise<void>;
}

/** The runner the repository would pick for `orm`. */
function runnerOf(orm: TestOrm, prepared: boolean): StatementRunner {
  const platform = orm.em.getPlatform();
  return runnerFor({
    connection: orm.em.getConnection('write'),
    platform,
    dialect: dialectOf(platform),
    libraries: orm.em.getDriver().getDependencies(),
    prepared,
    lockTable: 'frago_upload',
  });
}

/** A migrated database for the tests of one `describe`; a failed setup fails every test. */
function useOrm(open: () => Promise<Database>): () => TestOrm {
  let database: Database | undefined;
  let failure: { readonly error: unknown } | undefined;
  beforeAll(async () => {
    try {
      database = await open();
      await database.orm.migrator.up();
    } catch (error) {
      failure = { error };
    }
  });
  afterAll(async () => {
    await database?.orm.close(true);
    await database?.drop();
  });
  return () => {
    if (failure !== undefined) throw failure.error;
    if (database === undefined) throw new Error('Only available inside a test');
    return database.orm;
  };
}

const T0 = new Date('2030-01-02T03:04:05.678Z');
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

/** An upload whose values test quoting and conversion: a quote in its name, `constructor` in its metadata. */
function newUpload(overrides: Partial<NewUpload> = {}): NewUpload {
  return uploadFixture({
    filename: "Jane's report.pdf",
    totalSize: 1000,
    metadata: { constructor: 'kept', nested: { list: [1, 'two'] } },
    createdAt: T0,
    expiresAt: at(3_600_000),
    ...overrides,
  });
}

/** The upload as the ORM's entity holds it once written. */
function ormUpload(upload: NewUpload) {
  return {
    id: upload.id,
    owner: upload.owner,
    filename: upload.filename,
    totalSize: upload.totalSize ?? 0,
    sizeDeferred: upload.totalSize === null,
    status: 'in_progress' as const,
    storageKey: upload.storageKey,
    checksumAlgorithm: upload.checksumAlgorithm,
    expectedChecksum: upload.expectedChecksum,
    checksum: null,
    location: null,
    metadata: upload.metadata,
    createdAt: upload.createdAt,
    expiresAt: upload.expiresAt,
    completedAt: null,
    leaseUntil: null,
    hashAlgorithm: upload.hash.algorithm,
    hashOffset: upload.hash.offset,
    hashState: upload.hash.state,
    direct: false,
  };
}

for (const driver of DRIVERS) {
  describe(`MikroOrmRepository's statements on ${DRIVER_LABELS[driver]}`, () => {
    const orm = useOrm(() => openFresh(driver));

    it.each([true, false])('answers each SQL text with its own statement, however often and in whatever order they run (prepared: %s)', async (prepared) => {
      const runner = runnerOf(orm(), prepared);
      // Long texts that differ only at their end, each run several times between the others.
      const texts = Array.from({ length: 12 }, (_, i) => `select ? as echo, ${'0 + '.repeat(50)}${i} as n`);
      const order = [...texts.keys(), ...[...texts.keys()].reverse(), 3, 7, 3, 0, 11, 0];

      const results = [];
      for (const [round, i] of order.entries()) results.push(await runner.rows(texts[i] as string, [`round ${round}`]));

      expect(results).toEqual(order.map((i, round) => [{ echo: `round ${round}`, n: i }]));
    });

    it('writes uploads and claims that the ORM reads back as they were made', async () => {
      const repository = new MikroOrmRepository(orm());
      const upload = newUpload();
      const claim = { claimId: randomUUID(), digest: 'md5:abc', leaseUntil: at(60_000), now: T0 };

      await repository.create(upload);
      expect(await repository.claimRange(upload.id, { start: 100, end: 199 }, claim)).toEqual({
        kind: 'claimed',
        claimId: claim.claimId,
      });
      await repository.saveHashProgress(upload.id, 0, { algorithm: 'sha256', offset: 100, state: Uint8Array.of(1, 2, 254) });

      const em = orm().em.fork();
      expect(await em.findOne(FragoUpload, upload.id)).toMatchObject({
        ...ormUpload(upload),
        hashOffset: 100,
        hashState: Uint8Array.of(1, 2, 254),
      });
      const chunks = await em.find(FragoChunk, { upload: upload.id });
      expect(chunks).toMatchObject([
        {
          claimId: claim.claimId,
          startByte: 100,
          endByte: 199,
          size: 100,
          state: 'pending',
          digest: 'md5:abc',
          leaseUntil: claim.leaseUntil,
          storageData: null,
          checksum: null,
        },
      ]);
    });

    it('reads and weighs what the ORM wrote: its dates, bytes and leases', async () => {
      const repository = new MikroOrmRepository(orm());
      const upload = newUpload({ hash: { algorithm: 'sha256', offset: 40, state: Uint8Array.of(0, 7) } });
      const em = orm().em.fork();
      const uploadEntity = em.create(FragoUpload, ormUpload(upload));
      const chunk = (startByte: number, leaseUntil: Date) =>
        em.create(FragoChunk, {
          claimId: randomUUID(),
          upload: uploadEntity,
          startByte,
          endByte: startByte + 99,
          size: 100,
          state: 'pending',
          digest: null,
          leaseUntil,
          storageData: null,
          checksum: null,
        });
      const live = chunk(0, at(1));
      const lapsed = chunk(100, at(-1));
      await em.flush();

      expect(await repository.get(upload.id)).toMatchObject({ ...upload, status: 'in_progress', leaseUntil: null });
      expect(await repository.chunks(upload.id)).toMatchObject([
        { start: 0, claimId: live.claimId, leaseUntil: at(1) },
        { start: 100, claimId: lapsed.claimId, leaseUntil: at(-1) },
      ]);
      // A lease still running at T0 blocks the range; one that ran out before gives way.
      const claim = () => ({ claimId: randomUUID(), digest: null, leaseUntil: at(60_000), now: T0 });
      expect(await repository.claimRange(upload.id, { start: 0, end: 99 }, claim())).toMatchObject({ kind: 'in_flight' });
      expect(await repository.claimRange(upload.id, { start: 100, end: 199 }, claim())).toMatchObject({ kind: 'claimed' });
    });

    it('waits for a transaction the application holds, and never sees inside it', async () => {
      const repository = new MikroOrmRepository(orm());
      const upload = newUpload();
      const rolledBack = new Error('rolled back on purpose');
      let seen: Promise<unknown> | undefined;
      expect(await repository.get(upload.id)).toBeNull();

      await expect(
        orm().em.transactional(async (em) => {
          await em.insert(FragoUpload, { ...ormUpload(upload), metadata: {} });
          seen = repository.get(upload.id);
          await new Promise((resolve) => setImmediate(resolve));
          throw rolledBack;
        }),
      ).rejects.toBe(rolledBack);

      expect(await seen).toBeNull();
      expect(await orm().em.fork().count(FragoUpload, { id: upload.id })).toBe(0);
    });
  });
}

for (const driver of ['sqlite', 'libsql'] as const) {
  describe(`MikroOrmRepository's statements on ${DRIVER_LABELS[driver]}, column by column`, () => {
    const orm = useOrm(() => openFresh(driver));

    it('stores every value in the storage class the ORM uses', async () => {
      const repository = new MikroOrmRepository(orm());
      const byRepository = newUpload({ hash: { algorithm: 'sha256', offset: 3, state: Uint8Array.of(9) } });
      const byOrm = newUpload({ hash: { algorithm: 'sha256', offset: 3, state: Uint8Array.of(9) } });
      await repository.create(byRepository);
      await repository.transition(byRepository.id, { status: 'in_progress' }, 'in_progress', { completedAt: T0, leaseUntil: T0 });
      await repository.claimRange(byRepository.id, { start: 0, end: 9 }, { claimId: randomUUID(), digest: null, leaseUntil: T0, now: T0 });
      const em = orm().em.fork();
      const upload = em.create(FragoUpload, { ...ormUpload(byOrm), completedAt: T0, leaseUntil: T0 });
      em.create(FragoChunk, {
        claimId: randomUUID(),
        upload,
        startByte: 0,
        endByte: 9,
        size: 10,
        state: 'pending',
        digest: null,
        leaseUntil: T0,
        storageData: null,
        checksum: null,
      });
      await em.flush();

      const connection = orm().em.getConnection();
      const storageClasses = async (table: string, key: string, id: string) => {
        const [columns] = await connection.execute(`select * from ${table} where ${key} = ?`, [id]);
        const names = Object.keys(columns ?? {});
        const [classes] = await connection.execute(
          `select ${names.map((column) => `typeof(${column}) as ${column}`).join(', ')} from ${table} where ${key} = ?`,
          [id],
        );
        return classes;
      };
      const uploadClasses = await storageClasses('frago_upload', 'id', byOrm.id);
      expect(uploadClasses).toMatchObject({ created_at: 'integer', lease_until: 'integer', total_size: 'integer', hash_state: 'blob' });
      expect(await storageClasses('frago_upload', 'id', byRepository.id)).toEqual(uploadClasses);
      const chunkClasses = await storageClasses('frago_chunk', 'upload_id', byOrm.id);
      expect(chunkClasses).toMatchObject({ lease_until: 'integer', start_byte: 'integer' });
      expect(await storageClasses('frago_chunk', 'upload_id', byRepository.id)).toEqual(chunkClasses);
    });
  });
}

describe("MikroOrmRepository's prepared statements on PostgreSQL", () => {
  // One connection, so that the session the statements ran in is the one asked.
  const orm = useOrm(() => openFresh('postgresql', { pool: { min: 1, max: 1 } }));

  it('plans each execution for the tables as they are, never from a plan made while they were nearly empty', async () => {
    const repository = new MikroOrmRepository(orm());
    const upload = newUpload();
    await repository.create(upload);
    for (let start = 0; start < 1000; start += 100) {
      const claim = { claimId: randomUUID(), digest: null, leaseUntil: at(60_000), now: T0 };
      expect((await repository.claimRange(upload.id, { start, end: start + 99 }, claim)).kind).toBe('claimed');
      expect(await repository.storeClaim(upload.id, claim.claimId)).toBe(true);
    }

    const session = runnerOf(orm(), true);
    const statements = await session.rows(
      "select statement, generic_plans, custom_plans from pg_prepared_statements where name like 'frago\\_%' and statement like '%frago_chunk%'",
      [],
    );
    // PostgreSQL's default turns to a generic plan after five executions, made then for tables of a few rows.
    expect(statements.filter((row) => Number(row.custom_plans) >= 10).length).toBeGreaterThanOrEqual(2);
    expect(statements.map((row) => Number(row.generic_plans))).toEqual(statements.map(() => 0));
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InspectedChunk, InspectedUpload, RepositoryFixture, RepositoryInspector, SqlDriver, TestOrm, TestOrmConfig } from '@frago/conformance';
import { createDriverDatabase, openTestOrm, SQL_DRIVER_LABELS, SQL_DRIVERS } from '@frago/conformance';
import type { UploadStatus } from '@frago/core';
import { MikroOrmRepository } from '../src/index.js';

export type { TestOrm } from '@frago/conformance';
export type Driver = SqlDriver;
export const DRIVERS = SQL_DRIVERS;
export const DRIVER_LABELS = SQL_DRIVER_LABELS;

/** An empty database of one driver: open it as often as a test needs processes, drop it after. */
export interface TestDatabase {
  open(config?: TestOrmConfig): Promise<TestOrm>;
  drop(): Promise<void>;
}

/** A new, empty directory under the system's temp directory, and a way to remove it. */
export async function tempDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'frago-mikro-orm-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Opens a MikroORM of `driver` on `target` (a file for SQLite and libSQL, a URL for the servers). */
export const openOrm = Object.fromEntries(
  SQL_DRIVERS.map((driver) => [driver, (target: string, config?: TestOrmConfig) => openTestOrm(driver, target, config)]),
) as Record<Driver, (target: string, config?: TestOrmConfig) => Promise<TestOrm>>;

/** Opens a MikroORM on a PostgreSQL database. */
export const openPostgres = openOrm.postgresql;

/** A fresh database for `driver`: a file in a temp directory, or a new database on the test server. */
export async function createDatabase(driver: Driver): Promise<TestDatabase> {
  const database = await createDriverDatabase(driver);
  return { open: (config) => openTestOrm(driver, database.target, config), drop: database.drop };
}

/** A fresh database of `driver`, opened once with `config`; dropped again when it cannot be opened. */
export async function openFresh(driver: Driver, config?: TestOrmConfig): Promise<{ orm: TestOrm; drop(): Promise<void> }> {
  const database = await createDatabase(driver);
  const orm = await database.open(config).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return { orm, drop: database.drop };
}
/** Reads uploads and chunks with plain SQL, bypassing the repository. */
export function sqlInspector(orm: TestOrm): RepositoryInspector {
  const connection = orm.em.getConnection();
  return {
    async upload(id): Promise<InspectedUpload | null> {
      const [row] = await connection.execute('select status, owner, total_size, size_deferred, hash_offset, direct from frago_upload where id = ?', [id]);
      return row === undefined
        ? null
        : {
            status: row.status as UploadStatus,
            owner: row.owner as string | null,
            // PostgreSQL answers a boolean, SQLite and MySQL 0 or 1.
            totalSize: row.size_deferred === true || Number(row.size_deferred) === 1 ? null : Number(row.total_size),
            hashOffset: Number(row.hash_offset),
            direct: row.direct === null ? null : row.direct === true || Number(row.direct) === 1,
          };
    },
    async chunks(uploadId): Promise<InspectedChunk[]> {
      const rows = await connection.execute<Record<string, unknown>[]>(
        'select start_byte, end_byte, state, claim_id from frago_chunk where upload_id = ? order by start_byte',
        [uploadId],
      );
      return rows.map((row) => ({
        start: Number(row.start_byte),
        end: Number(row.end_byte),
        state: row.state as InspectedChunk['state'],
        claimId: String(row.claim_id),
      }));
    },
    async storageData(uploadId, claimId) {
      const [row] = await connection.execute('select storage_data from frago_chunk where upload_id = ? and claim_id = ?', [uploadId, claimId]);
      return row === undefined ? undefined : (row.storage_data as string | null);
    },
    async chunkChecksum(uploadId, claimId) {
      const [row] = await connection.execute('select checksum from frago_chunk where upload_id = ? and claim_id = ?', [uploadId, claimId]);
      return row === undefined ? undefined : (row.checksum as string | null);
    },
  };
}

/** A migrated, fresh database of `driver`, with a repository and a SQL inspector. */
export function fixtureFor(driver: Driver): () => Promise<RepositoryFixture> {
  return async () => {
    const database = await openFresh(driver);
    const orm = database.orm;
    await orm.migrator.up();
    return {
      repository: new MikroOrmRepository(orm),
      inspect: sqlInspector(orm),
      async teardown() {
        await orm.close(true);
        await database.drop();
      },
    };
  };
}

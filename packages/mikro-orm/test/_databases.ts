import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InspectedChunk, InspectedUpload, RepositoryFixture, RepositoryInspector } from '@frago/conformance';
import { createTestDatabase } from '@frago/conformance';
import type { UploadStatus } from '@frago/core';
import { MikroORM as SqliteOrm, type Options as SqliteOptions } from '@mikro-orm/better-sqlite';
import type { IMigrator, ISchemaGenerator } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PostgresOrm, type Options as PostgresOptions } from '@mikro-orm/postgresql';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '../src/index.js';

/** A MikroORM instance of either driver, as the tests use it. */
export interface TestOrm {
  readonly em: SqlEntityManager;
  readonly migrator: IMigrator;
  readonly schema: ISchemaGenerator;
  close(force?: boolean): Promise<void>;
}

/** Config shared by both databases: frago's entities and migrations, quiet migrator. */
export function fragoConfig() {
  return {
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], silent: true },
  };
}

/** Opens a MikroORM on a SQLite file with `config` on top of {@link fragoConfig}. */
export async function openSqlite(dbName: string, config: SqliteOptions = {}): Promise<TestOrm> {
  return SqliteOrm.init({ ...fragoConfig(), ...config, dbName });
}

/** Opens a MikroORM on a PostgreSQL database with `config` on top of {@link fragoConfig}. */
export async function openPostgres(clientUrl: string, config: PostgresOptions = {}): Promise<TestOrm> {
  return PostgresOrm.init({ ...fragoConfig(), ...config, clientUrl });
}

/** A new, empty directory under the system's temp directory, and a way to remove it. */
export async function tempDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'frago-mikro-orm-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Reads uploads and chunks with plain SQL, bypassing the repository. */
export function sqlInspector(orm: TestOrm): RepositoryInspector {
  const connection = orm.em.getConnection();
  return {
    async upload(id): Promise<InspectedUpload | null> {
      const [row] = await connection.execute(
        'select status, owner, total_size, hash_offset from frago_upload where id = ?',
        [id],
      );
      return row === undefined
        ? null
        : {
            status: row.status as UploadStatus,
            owner: row.owner as string | null,
            totalSize: Number(row.total_size),
            hashOffset: Number(row.hash_offset),
          };
    },
    async chunks(uploadId): Promise<InspectedChunk[]> {
      const rows = await connection.execute(
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
      const [row] = await connection.execute('select storage_data from frago_chunk where upload_id = ? and claim_id = ?', [
        uploadId,
        claimId,
      ]);
      return row === undefined ? undefined : (row.storage_data as string | null);
    },
  };
}

/** A migrated SQLite file in a temp directory, with a repository and a SQL inspector. */
export async function sqliteFixture(): Promise<RepositoryFixture> {
  const directory = await tempDirectory();
  const orm = await openSqlite(join(directory.path, 'frago.sqlite'));
  await orm.migrator.up();
  return {
    repository: new MikroOrmRepository(orm),
    inspect: sqlInspector(orm),
    async teardown() {
      await orm.close(true);
      await directory.remove();
    },
  };
}

/** A migrated, fresh PostgreSQL database, with a repository and a SQL inspector. */
export async function postgresFixture(): Promise<RepositoryFixture> {
  const database = await createTestDatabase();
  const orm = await openPostgres(database.clientUrl).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  await orm.migrator.up();
  return {
    repository: new MikroOrmRepository(orm),
    inspect: sqlInspector(orm),
    async teardown() {
      await orm.close(true);
      await database.drop();
    },
  };
}

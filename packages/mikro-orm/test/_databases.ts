import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InspectedChunk, InspectedUpload, RepositoryFixture, RepositoryInspector } from '@frago/conformance';
import { createTestDatabase, createTestMariaDbDatabase } from '@frago/conformance';
import type { UploadStatus } from '@frago/core';
import type { EntityName, MigrationObject } from '@mikro-orm/core';
import { MikroORM as LibSqlOrm } from '@mikro-orm/libsql';
import { MikroORM as MariaDbOrm } from '@mikro-orm/mariadb';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as MySqlOrm } from '@mikro-orm/mysql';
import { MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import type { SqlEntityManager, SqlSchemaGenerator } from '@mikro-orm/sql';
import { MikroORM as SqliteOrm } from '@mikro-orm/sqlite';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '../src/index.js';

/** Every SQL driver of MikroORM 7 that frago runs on, by its package's name. */
export const DRIVERS = ['sqlite', 'libsql', 'postgresql', 'mysql', 'mariadb'] as const;
export type Driver = (typeof DRIVERS)[number];

/** How the tests name each driver and the server it runs against. */
export const DRIVER_LABELS: Record<Driver, string> = {
  sqlite: 'SQLite (@mikro-orm/sqlite)',
  libsql: 'libSQL (@mikro-orm/libsql)',
  postgresql: 'PostgreSQL (@mikro-orm/postgresql)',
  mysql: 'MariaDB (@mikro-orm/mysql)',
  mariadb: 'MariaDB (@mikro-orm/mariadb)',
};

/** A MikroORM instance of any driver, as the tests use it. */
export interface TestOrm {
  readonly em: SqlEntityManager;
  readonly migrator: Migrator;
  readonly schema: SqlSchemaGenerator;
  close(force?: boolean): Promise<void>;
}

/** Config shared by every driver: frago's entities and migrations, quiet migrator. */
export function fragoConfig() {
  return {
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
  };
}

/** Options a test puts on top of {@link fragoConfig}: other entities or migrations. */
export interface ExtraConfig {
  readonly entities?: readonly EntityName[];
  readonly migrations?: { readonly migrationsList: readonly MigrationObject[]; readonly silent?: boolean; readonly snapshot?: boolean };
  readonly pool?: { readonly min?: number; readonly max?: number };
}

/** An empty database of one driver: open it as often as a test needs processes, drop it after. */
export interface TestDatabase {
  open(config?: ExtraConfig): Promise<TestOrm>;
  drop(): Promise<void>;
}

/** A new, empty directory under the system's temp directory, and a way to remove it. */
export async function tempDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'frago-mikro-orm-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

// Each driver's MikroORM has its own types; the tests need only what TestOrm names.
const init = async (orm: Promise<{ em: unknown; migrator: unknown; schema: unknown; close(force?: boolean): Promise<void> }>) =>
  (await orm) as TestOrm;
const merge = (config: ExtraConfig = {}) => ({ ...fragoConfig(), ...config }) as ReturnType<typeof fragoConfig>;

/** Opens a MikroORM of `driver` on `target` (a file for SQLite and libSQL, a URL for the servers). */
export const openOrm: Record<Driver, (target: string, config?: ExtraConfig) => Promise<TestOrm>> = {
  sqlite: (dbName, config) => init(SqliteOrm.init({ ...merge(config), dbName })),
  libsql: (dbName, config) => init(LibSqlOrm.init({ ...merge(config), dbName })),
  postgresql: (clientUrl, config) => init(PostgresOrm.init({ ...merge(config), clientUrl })),
  mysql: (clientUrl, config) => init(MySqlOrm.init({ ...merge(config), clientUrl })),
  mariadb: (clientUrl, config) => init(MariaDbOrm.init({ ...merge(config), clientUrl })),
};

/** Opens a MikroORM on a SQLite file through `@mikro-orm/sqlite`. */
export const openSqlite = openOrm.sqlite;
/** Opens a MikroORM on a PostgreSQL database. */
export const openPostgres = openOrm.postgresql;

/** A fresh database for `driver`: a file in a temp directory, or a new database on the test server. */
export async function createDatabase(driver: Driver): Promise<TestDatabase> {
  const open = openOrm[driver];
  if (driver === 'sqlite' || driver === 'libsql') {
    const directory = await tempDirectory();
    const dbName = join(directory.path, 'frago.sqlite');
    return { open: (config) => open(dbName, config), drop: directory.remove };
  }
  const database = driver === 'postgresql' ? await createTestDatabase() : await createTestMariaDbDatabase();
  return { open: (config) => open(database.clientUrl, config), drop: database.drop };
}

/** Reads uploads and chunks with plain SQL, bypassing the repository. */
export function sqlInspector(orm: TestOrm): RepositoryInspector {
  const connection = orm.em.getConnection();
  return {
    async upload(id): Promise<InspectedUpload | null> {
      const [row] = await connection.execute('select status, owner, total_size, hash_offset from frago_upload where id = ?', [id]);
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
  };
}

/** A fresh database of `driver`, opened once with `config`; dropped again when it cannot be opened. */
export async function openFresh(driver: Driver, config?: ExtraConfig): Promise<{ orm: TestOrm; drop(): Promise<void> }> {
  const database = await createDatabase(driver);
  const orm = await database.open(config).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return { orm, drop: database.drop };
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

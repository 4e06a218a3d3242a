import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fragoEntities, fragoMigrations } from '@frago/mikro-orm';
import type { EntityName, MigrationObject } from '@mikro-orm/core';
import { MikroORM as LibSqlOrm } from '@mikro-orm/libsql';
import { MikroORM as MariaDbOrm } from '@mikro-orm/mariadb';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as MySqlOrm } from '@mikro-orm/mysql';
import { MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import type { SqlEntityManager, SqlSchemaGenerator } from '@mikro-orm/sql';
import { MikroORM as SqliteOrm } from '@mikro-orm/sqlite';
import { createTestMariaDbDatabase } from './mariadb.js';
import { createTestDatabase } from './postgres.js';

/** Every SQL driver of MikroORM 7 that frago runs on, by its package's name. */
export const SQL_DRIVERS = ['sqlite', 'libsql', 'postgresql', 'mysql', 'mariadb'] as const;
export type SqlDriver = (typeof SQL_DRIVERS)[number];

/** How tests name each driver and the server it runs against (MySQL's driver runs on the test MariaDB). */
export const SQL_DRIVER_LABELS: Record<SqlDriver, string> = {
  sqlite: 'SQLite (@mikro-orm/sqlite)',
  libsql: 'libSQL (@mikro-orm/libsql)',
  postgresql: 'PostgreSQL (@mikro-orm/postgresql)',
  mysql: 'MariaDB (@mikro-orm/mysql)',
  mariadb: 'MariaDB (@mikro-orm/mariadb)',
};

/** A MikroORM instance of any driver, as tests use it. */
export interface TestOrm {
  readonly em: SqlEntityManager;
  readonly migrator: Migrator;
  readonly schema: SqlSchemaGenerator;
  close(force?: boolean): Promise<void>;
}

/** What a test puts on top of frago's config: other entities or migrations, a pool size. */
export interface TestOrmConfig {
  readonly entities?: readonly EntityName[];
  readonly migrations?: { readonly migrationsList: readonly MigrationObject[]; readonly silent?: boolean; readonly snapshot?: boolean };
  readonly pool?: { readonly min?: number; readonly max?: number };
}

/** frago's entities and migrations, with a quiet migrator that writes no snapshot files. */
function fragoConfig(config: TestOrmConfig) {
  return {
    entities: [...fragoEntities],
    extensions: [Migrator],
    ...config,
    migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false, ...config.migrations },
  } as {
    entities: EntityName[];
    extensions: [typeof Migrator];
    migrations: { migrationsList: MigrationObject[]; silent: boolean; snapshot: boolean };
  };
}

// Each driver's MikroORM has its own types; tests need only what TestOrm names.
const opened = async (orm: Promise<{ em: unknown; migrator: unknown; schema: unknown; close(force?: boolean): Promise<void> }>) =>
  (await orm) as TestOrm;

/**
 * Opens a MikroORM of `driver` with frago's entities and migrations (not yet run) on
 * `target`: a file for SQLite and libSQL, a connection URL for the servers.
 */
export function openTestOrm(driver: SqlDriver, target: string, config: TestOrmConfig = {}): Promise<TestOrm> {
  const options = fragoConfig(config);
  switch (driver) {
    case 'sqlite':
      return opened(SqliteOrm.init({ ...options, dbName: target }));
    case 'libsql':
      return opened(LibSqlOrm.init({ ...options, dbName: target }));
    case 'postgresql':
      return opened(PostgresOrm.init({ ...options, clientUrl: target }));
    case 'mysql':
      return opened(MySqlOrm.init({ ...options, clientUrl: target }));
    case 'mariadb':
      return opened(MariaDbOrm.init({ ...options, clientUrl: target }));
  }
}

/** A fresh, empty database for one driver, and what no response may reveal about it. */
export interface DriverDatabase {
  /** The file or connection URL to pass to {@link openTestOrm}. */
  readonly target: string;
  /** Its path or URL and name. */
  readonly secrets: readonly string[];
  drop(): Promise<void>;
}

/**
 * A fresh database for `driver`: a file in a new temp directory for SQLite and libSQL,
 * a new database on the test PostgreSQL or MariaDB server for the others.
 *
 * @throws {Error} naming the server when it is unreachable: tests must fail then, never skip.
 */
export async function createDriverDatabase(driver: SqlDriver): Promise<DriverDatabase> {
  if (driver === 'sqlite' || driver === 'libsql') {
    const directory = await mkdtemp(join(tmpdir(), `frago-${driver}-`));
    const target = join(directory, 'frago.sqlite');
    return { target, secrets: [directory], drop: () => rm(directory, { recursive: true, force: true }) };
  }
  const database = driver === 'postgresql' ? await createTestDatabase() : await createTestMariaDbDatabase();
  return { target: database.clientUrl, secrets: [database.clientUrl, database.name], drop: database.drop };
}

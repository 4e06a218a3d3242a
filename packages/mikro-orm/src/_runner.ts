import type { Platform } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/knex';
import type { Dialect } from './_dialect.js';
import type { PostgresConnection } from './_postgres-runner.js';
import { PostgresRunner } from './_postgres-runner.js';
import type { SqliteConnection } from './_sqlite-runner.js';
import { SqliteRunner } from './_sqlite-runner.js';
import type { ConnectionPool, StatementRunner } from './_statements.js';

/**
 * The runner for a knex client of MikroORM's: its connections are those of the driver
 * the runner speaks to directly.
 *
 * @throws {Error} for a driver other than `pg` (PostgreSQL) or `better-sqlite3` (SQLite).
 */
export function runnerFor(knex: Knex, dialect: Dialect, platform: Platform, options: { readonly prepared: boolean }): StatementRunner {
  // knex types its client loosely; these are the members every knex client has.
  const client = knex.client as { readonly driverName: unknown } & ConnectionPool<never>;
  const driver = client.driverName;
  if (dialect === 'postgresql' && driver === 'pg') {
    return new PostgresRunner(client as ConnectionPool<PostgresConnection>, platform, options.prepared);
  }
  if (dialect === 'sqlite' && driver === 'better-sqlite3') {
    return new SqliteRunner(client as ConnectionPool<SqliteConnection>, platform);
  }
  throw new Error(
    `@frago/mikro-orm runs on PostgreSQL through pg (@mikro-orm/postgresql) and on SQLite through better-sqlite3 (@mikro-orm/better-sqlite), not ${String(driver)}`,
  );
}

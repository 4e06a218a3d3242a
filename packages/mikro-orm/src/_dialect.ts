import type { Platform } from '@mikro-orm/core';
import { BaseMySqlPlatform, BasePostgreSqlPlatform, SqlitePlatform } from '@mikro-orm/sql';

/**
 * The SQL dialects frago's statements are written for. MySQL and MariaDB share one:
 * their SQL differs from the others in the same places (no `UPDATE ... RETURNING`,
 * backtick quoting, `LOCK IN SHARE MODE`), and frago uses nothing else of either.
 */
export type Dialect = 'postgresql' | 'sqlite' | 'mysql';

/** The drivers frago runs on, for messages that tell a user what to install instead. */
export const SUPPORTED_DRIVERS =
  '@mikro-orm/sqlite, @mikro-orm/libsql, @mikro-orm/postgresql, @mikro-orm/mysql or @mikro-orm/mariadb';

/** Thrown for a database MikroORM supports and frago does not (MongoDB, MS SQL Server, Oracle). */
export class UnsupportedDatabaseError extends Error {
  override readonly name = 'UnsupportedDatabaseError';
}

/**
 * Which of frago's dialects a MikroORM platform speaks. Every SQLite driver (better-sqlite3,
 * libSQL, node:sqlite) shares SQLite's platform, and MariaDB's platform is MySQL's.
 *
 * @throws {UnsupportedDatabaseError} for any other database, naming the supported drivers.
 */
export function dialectOf(platform: Platform): Dialect {
  if (platform instanceof BasePostgreSqlPlatform) return 'postgresql';
  if (platform instanceof SqlitePlatform) return 'sqlite';
  if (platform instanceof BaseMySqlPlatform) return 'mysql';
  throw new UnsupportedDatabaseError(
    `@frago/mikro-orm runs on SQLite, PostgreSQL, MySQL and MariaDB through ${SUPPORTED_DRIVERS}, not on ${platform.constructor.name}`,
  );
}

/**
 * The clause that locks the rows a select reads until the transaction ends: PostgreSQL's
 * and InnoDB's row locks (MariaDB knows no `FOR SHARE`; MySQL 8 still takes `LOCK IN
 * SHARE MODE`); SQLite has none and needs none, its transactions hold the database's
 * single write lock.
 */
export function rowLock(dialect: Dialect, strength: 'update' | 'share'): string {
  if (dialect === 'sqlite') return '';
  if (strength === 'update') return ' for update';
  return dialect === 'postgresql' ? ' for share' : ' lock in share mode';
}

/** What a `select` of constants needs before its `where`: MySQL wants a table, `dual`. */
export function noTable(dialect: Dialect): string {
  return dialect === 'mysql' ? ' from dual' : '';
}

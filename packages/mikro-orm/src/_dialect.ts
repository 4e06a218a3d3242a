import type { Knex } from '@mikro-orm/knex';

/** The databases frago's SQL is written for. */
export type Dialect = 'postgresql' | 'sqlite';

/**
 * Which of the supported databases a knex client talks to.
 *
 * @throws {Error} for any other database: the repository relies on `RETURNING` and on
 *   PostgreSQL's row locks or SQLite's single writer, and has only been proven on those.
 */
export function dialectOf(knex: Knex): Dialect {
  const name = knex.client.dialect;
  if (name === 'postgresql') return 'postgresql';
  // Every SQLite driver's knex client (sqlite3, better-sqlite3, libSQL) reports `sqlite3`.
  if (name === 'sqlite3') return 'sqlite';
  throw new Error(`@frago/mikro-orm supports PostgreSQL and SQLite, not ${String(name)}`);
}

import type { SqlOrm } from './repository.js';

/** Options of {@link tuneSqlite}. */
export interface SqliteTuning {
  /** How long a statement waits for another process's write lock before it fails; default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * Sets the SQLite pragmas that suit frago's many small transactions on an opened
 * MikroORM (`@mikro-orm/sqlite` or `@mikro-orm/libsql` on a local file): write-ahead
 * logging (readers never wait for the writer), `synchronous = NORMAL` (commits survive a
 * crash of the process; after a power cut the last commits may be lost but the database
 * stays consistent), and a busy timeout so that a second process waits for the write
 * lock instead of failing. Both drivers keep one connection per MikroORM instance, so
 * the pragmas hold for its life.
 *
 * @example
 * ```ts
 * const orm = await MikroORM.init({ dbName: 'frago.sqlite', ... });
 * await tuneSqlite(orm);
 * ```
 */
export async function tuneSqlite(orm: SqlOrm, options: SqliteTuning = {}): Promise<void> {
  const connection = orm.em.getConnection();
  // The busy timeout first: switching the journal mode needs the write lock.
  await connection.execute(`pragma busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  await connection.execute('pragma journal_mode = WAL');
  await connection.execute('pragma synchronous = NORMAL');
}

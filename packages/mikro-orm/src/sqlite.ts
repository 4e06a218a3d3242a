/** The part of a better-sqlite3 connection the pragmas need. */
export interface PragmaConnection {
  pragma(source: string): unknown;
}

/**
 * Pool options for MikroORM's SQLite drivers that suit frago's many small
 * transactions: write-ahead logging (readers never wait for the writer),
 * `synchronous = NORMAL` (commits survive a crash of the process; after a power cut
 * the last commits may be lost but the database stays consistent), and a busy timeout
 * so that a second process waits for the write lock instead of failing.
 *
 * @example
 * ```ts
 * await MikroORM.init({ dbName: 'frago.sqlite', pool: sqlitePool(), ... });
 * ```
 */
export function sqlitePool(options: { busyTimeoutMs?: number } = {}) {
  return {
    afterCreate(connection: PragmaConnection, done: (error: Error | null, connection: PragmaConnection) => void): void {
      try {
        connection.pragma('journal_mode = WAL');
        connection.pragma('synchronous = NORMAL');
        connection.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
        done(null, connection);
      } catch (error) {
        done(error as Error, connection);
      }
    },
  };
}

import type { Platform } from '@mikro-orm/core';
import type { Row } from './_rows.js';

/** One SQL statement with `?` placeholders, and whether it returns rows or a count of changed rows. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly returns: 'rows' | 'affected';
}

/**
 * Statements that belong to one transaction, written once for every database: the
 * generator yields each statement and is resumed with its result, so that a runner can
 * drive it synchronously (better-sqlite3) or asynchronously (pg) alike.
 */
export type Script<T> = Generator<Statement, T, Row[] | number>;

/** Runs `sql` inside a {@link Script}, resuming it with the rows. */
export function* rows(sql: string, params: readonly unknown[]): Generator<Statement, Row[], Row[] | number> {
  // A runner answers a `rows` statement with rows, see StatementRunner.transaction.
  return (yield { sql, params, returns: 'rows' }) as Row[];
}

/** Runs `sql` inside a {@link Script}, resuming it with the number of rows it changed. */
export function* affected(sql: string, params: readonly unknown[]): Generator<Statement, number, Row[] | number> {
  return (yield { sql, params, returns: 'affected' }) as number;
}

/**
 * Runs frago's statements on one database. Failures of the database are the ORM's
 * exceptions (`UniqueConstraintViolationException` ...).
 */
export interface StatementRunner {
  /** Runs one statement on its own and returns its rows. */
  rows(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** Runs one statement on its own and returns how many rows it changed. */
  affected(sql: string, params: readonly unknown[]): Promise<number>;
  /**
   * Runs a script in one transaction that is committed when the script returns and
   * rolled back when a statement or the script throws. On SQLite the transaction holds
   * the database's write lock from its first statement on.
   */
  transaction<T>(script: () => Script<T>): Promise<T>;
}

/** The part of a knex client that hands out its pooled connections. */
export interface ConnectionPool<Connection> {
  acquireConnection(): Promise<Connection>;
  releaseConnection(connection: Connection): Promise<unknown>;
}

/**
 * A {@link StatementRunner} on the driver's connections in a knex pool: each call takes
 * a connection from the pool and gives it back, so a transaction the application holds
 * on a connection is respected. A subclass says how one statement and one transaction
 * run on a connection, and turns the driver's failures into the ORM's exceptions.
 */
export abstract class PooledRunner<Connection> implements StatementRunner {
  constructor(
    private readonly pool: ConnectionPool<Connection>,
    private readonly platform: Platform,
  ) {}

  rows(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.on(async (connection) => (await this.execute(connection, { sql, params, returns: 'rows' })) as Row[]);
  }

  affected(sql: string, params: readonly unknown[]): Promise<number> {
    return this.on(async (connection) => (await this.execute(connection, { sql, params, returns: 'affected' })) as number);
  }

  transaction<T>(script: () => Script<T>): Promise<T> {
    return this.on((connection) => this.inTransaction(connection, script));
  }

  /** Runs one statement: rows for `rows`, a count for `affected`. */
  protected abstract execute(connection: Connection, statement: Statement): Row[] | number | Promise<Row[] | number>;

  /** Runs the script's statements in one transaction and returns what the script returns. */
  protected abstract inTransaction<T>(connection: Connection, script: () => Script<T>): T | Promise<T>;

  /** Makes a connection ready for the runner's statements, each time one is taken from the pool. */
  protected ready(_connection: Connection): void | Promise<void> {}

  /** A failure of the driver as the ORM's exception, as the ORM's own queries throw it. */
  protected driverFailure(error: unknown): Error {
    return this.platform.getExceptionConverter().convertException(error as Error);
  }

  private async on<T>(work: (connection: Connection) => T | Promise<T>): Promise<T> {
    const connection = await this.pool.acquireConnection();
    try {
      // Most runners need nothing per connection: no extra turn of the event loop for them.
      const preparing = this.ready(connection);
      if (preparing !== undefined) await preparing;
      return await work(connection);
    } finally {
      await this.pool.releaseConnection(connection);
    }
  }
}

import type { Row } from './_rows.js';
import type { Script, Statement } from './_statements.js';
import { PooledRunner } from './_statements.js';

/** The parts of a better-sqlite3 prepared statement the runner uses. */
interface SqliteStatement {
  all(params: readonly unknown[]): unknown[];
  run(params: readonly unknown[]): { readonly changes: number };
}

/** A better-sqlite3 transaction function: `immediate` begins with `BEGIN IMMEDIATE`. */
interface SqliteTransaction {
  immediate<T>(script: Script<T>): T;
}

/** The parts of a better-sqlite3 connection the runner uses. */
export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  transaction(run: <T>(script: Script<T>) => T): SqliteTransaction;
}

/** What the runner keeps per connection: its prepared statements by SQL, and its transaction. */
interface Prepared {
  readonly statements: Map<string, SqliteStatement>;
  readonly transaction: SqliteTransaction;
}

/**
 * Runs statements on the better-sqlite3 connections of MikroORM's knex pool, skipping
 * knex and the ORM: each SQL text is prepared once per connection, and a transaction is
 * one synchronous `BEGIN IMMEDIATE ... COMMIT`, so it takes the write lock before it
 * reads and nothing else runs on the connection until it ends.
 *
 * Values are bound as the ORM stores them, so rows written either way read the same:
 * dates as epoch milliseconds, booleans as 0 or 1, bytes as blobs.
 */
export class SqliteRunner extends PooledRunner<SqliteConnection> {
  // Keyed by the connection, so that a connection the pool closes takes its statements with it.
  private readonly prepared = new WeakMap<SqliteConnection, Prepared>();

  protected execute(connection: SqliteConnection, statement: Statement): Row[] | number {
    try {
      const prepared = this.statement(connection, statement.sql);
      const params = statement.params.map(bindable);
      return statement.returns === 'rows' ? (prepared.all(params) as Row[]) : prepared.run(params).changes;
    } catch (error) {
      throw this.driverFailure(error);
    }
  }

  protected inTransaction<T>(connection: SqliteConnection, script: () => Script<T>): T {
    try {
      return this.cacheOf(connection).transaction.immediate(script());
    } catch (error) {
      // `BEGIN IMMEDIATE` and `COMMIT` fail as the driver's errors (the write lock stayed
      // busy ...); a statement's failure is converted already, a script's own passes as is.
      throw error instanceof Error && error.name === 'SqliteError' ? this.driverFailure(error) : error;
    }
  }

  private statement(connection: SqliteConnection, sql: string): SqliteStatement {
    const { statements } = this.cacheOf(connection);
    let prepared = statements.get(sql);
    if (prepared === undefined) {
      prepared = connection.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  }

  private cacheOf(connection: SqliteConnection): Prepared {
    let cache = this.prepared.get(connection);
    if (cache === undefined) {
      cache = {
        statements: new Map(),
        transaction: connection.transaction((script) => {
          let step = script.next();
          while (step.done !== true) step = script.next(this.execute(connection, step.value));
          return step.value;
        }),
      };
      this.prepared.set(connection, cache);
    }
    return cache;
  }
}

/** A value as MikroORM's SQLite platform writes it. */
function bindable(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value === undefined ? null : value;
}

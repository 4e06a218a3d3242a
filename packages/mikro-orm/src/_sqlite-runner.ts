import type { Platform } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import type { Database, Statement as SqliteStatement, Transaction } from 'better-sqlite3';
import type { Row } from './_rows.js';
import type { Script, Statement, StatementRunner } from './_statements.js';
import { bindable } from './_statements.js';

/**
 * Runs statements on the better-sqlite3 database behind MikroORM's SQLite connection
 * (which the driver hands out as `getNativeClient()`), skipping the ORM's query building:
 * each SQL text is prepared once, and a transaction is one synchronous `BEGIN IMMEDIATE
 * ... COMMIT`, so it takes the write lock before it reads and nothing else runs on the
 * database until it ends.
 *
 * The ORM shares that one database handle and serialises its own use of it (a
 * transaction of the ORM's holds it from `BEGIN` to `COMMIT`); every call takes the
 * handle through the ORM's Kysely client first, so it never lands inside the ORM's
 * transaction, nor the ORM's statements inside frago's.
 *
 * Values are bound as the ORM stores them, so rows written either way read the same:
 * dates as epoch milliseconds, booleans as 0 or 1, bytes as blobs.
 */
export class SqliteRunner implements StatementRunner {
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly immediate: Transaction<(script: Script<unknown>) => unknown>['immediate'];

  constructor(
    private readonly connection: AbstractSqlConnection,
    private readonly database: Database,
    private readonly platform: Platform,
  ) {
    this.immediate = database.transaction((script: Script<unknown>) => {
      let step = script.next();
      while (step.done !== true) step = script.next(this.execute(step.value));
      return step.value;
    }).immediate;
  }

  rows(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.exclusively(() => this.execute({ sql, params, returns: 'rows' }) as Row[]);
  }

  affected(sql: string, params: readonly unknown[]): Promise<number> {
    return this.exclusively(() => this.execute({ sql, params, returns: 'affected' }) as number);
  }

  transaction<T>(script: () => Script<T>): Promise<T> {
    return this.exclusively(() => {
      try {
        return this.immediate(script()) as T;
      } catch (error) {
        // `BEGIN IMMEDIATE` and `COMMIT` fail as the driver's errors (the write lock stayed
        // busy ...); a statement's failure is converted already, a script's own passes as is.
        throw error instanceof Error && error.name === 'SqliteError' ? this.driverFailure(error) : error;
      }
    });
  }

  /** Runs `work` while the ORM's Kysely client has handed this runner the database. */
  private exclusively<T>(work: () => T): Promise<T> {
    return this.connection.getClient().connection().execute(async () => work());
  }

  private execute(statement: Statement): Row[] | number {
    try {
      const prepared = this.prepare(statement.sql);
      const params = statement.params.map(sqliteValue);
      return statement.returns === 'rows' ? (prepared.all(params) as Row[]) : prepared.run(params).changes;
    } catch (error) {
      throw this.driverFailure(error);
    }
  }

  private prepare(sql: string): SqliteStatement {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) {
      prepared = this.database.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** A failure of the driver as the ORM's exception, as the ORM's own queries throw it. */
  private driverFailure(error: unknown): Error {
    return this.platform.getExceptionConverter().convertException(error as Error);
  }
}

/** A value as MikroORM's SQLite platform writes it. */
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return bindable(value);
}

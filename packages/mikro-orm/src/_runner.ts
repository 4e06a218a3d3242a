import { IsolationLevel, type Platform } from '@mikro-orm/core';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import type { SqliteConnection } from '@mikro-orm/sqlite';
import type { Dialect } from './_dialect.js';
import { PlainRunner } from './_plain-runner.js';
import { PostgresRunner } from './_postgres-runner.js';
import { SqliteRunner } from './_sqlite-runner.js';
import type { Row } from './_rows.js';
import type { Script, StatementRunner } from './_statements.js';

/** What the repository knows of the ORM when it picks a runner. */
export interface RunnerContext {
  readonly connection: AbstractSqlConnection;
  readonly platform: Platform;
  readonly dialect: Dialect;
  /** The driver's database libraries, as MikroORM's driver names them (`pg`, `better-sqlite3`, `mysql2` ...). */
  readonly libraries: readonly string[];
  /** PostgreSQL's fast path: named prepared statements. */
  readonly prepared: boolean;
  /** A table frago writes, quoted: SQLite's plain path takes the write lock on it. */
  readonly lockTable: string;
}

/**
 * The runner for a MikroORM connection: the fast path where the driver hands out a
 * native client frago speaks directly (`pg` for PostgreSQL, better-sqlite3 for SQLite),
 * the ORM's own connection for every other driver (MySQL, MariaDB, libSQL, node:sqlite).
 *
 * On the plain path, MySQL and MariaDB run frago's transactions at READ COMMITTED: the
 * decisions serialise on the upload's row lock, and repeatable read would add gap locks
 * on the chunk index that only make concurrent claims deadlock. SQLite's transactions
 * begin deferred there; a first write that changes nothing takes the database's write
 * lock before anything is read, as `BEGIN IMMEDIATE` would. A transaction that read
 * first and then wanted the lock while another process held it would fail at once,
 * whatever the busy timeout, where this one waits its turn.
 */
export function runnerFor(context: RunnerContext): StatementRunner {
  const plain = new PlainRunner(context.connection, context.platform, plainOptions(context));
  const fast = fastRunner(context);
  return fast === undefined ? plain : new ResolvingRunner(fast.catch(() => plain));
}

function plainOptions(context: RunnerContext): ConstructorParameters<typeof PlainRunner>[2] {
  if (context.dialect === 'mysql') return { isolationLevel: IsolationLevel.READ_COMMITTED };
  if (context.dialect === 'sqlite') return { opening: `update ${context.lockTable} set id = id where 0` };
  return {};
}

function fastRunner(context: RunnerContext): Promise<StatementRunner> | undefined {
  const { connection, platform, dialect, libraries } = context;
  // The driver that names the library is the one whose connection class returns it.
  if (dialect === 'postgresql' && libraries.includes('pg')) {
    return (connection as PostgreSqlConnection)
      .getNativeClient()
      .then((pool) => new PostgresRunner(pool, platform, context.prepared));
  }
  if (dialect === 'sqlite' && libraries.includes('better-sqlite3')) {
    return (connection as SqliteConnection)
      .getNativeClient()
      .then((database) => new SqliteRunner(connection, database, platform));
  }
  return undefined;
}

/**
 * A runner whose native client is still being fetched (the ORM connects lazily); once it
 * is there, calls go straight to it. When the driver has none to give (a Kysely dialect
 * the application passed in), the plain path runs instead.
 */
class ResolvingRunner implements StatementRunner {
  private resolved: StatementRunner | undefined;

  constructor(private readonly resolving: Promise<StatementRunner>) {
    void resolving.then((runner) => (this.resolved = runner));
  }

  rows(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.resolved?.rows(sql, params) ?? this.resolving.then((runner) => runner.rows(sql, params));
  }

  affected(sql: string, params: readonly unknown[]): Promise<number> {
    return this.resolved?.affected(sql, params) ?? this.resolving.then((runner) => runner.affected(sql, params));
  }

  transaction<T>(script: () => Script<T>): Promise<T> {
    return this.resolved?.transaction(script) ?? this.resolving.then((runner) => runner.transaction(script));
  }
}

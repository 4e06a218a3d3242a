import { createHash } from 'node:crypto';
import type { Row } from './_rows.js';
import type { Script, Statement } from './_statements.js';
import { PooledRunner, type ConnectionPool } from './_statements.js';
import type { Platform } from '@mikro-orm/core';

/** The part of a `pg` client the runner uses. */
export interface PostgresConnection {
  query(config: { readonly name?: string; readonly text: string; readonly values: readonly unknown[] }): Promise<{
    readonly rows: Row[];
    readonly rowCount: number | null;
  }>;
}

/** A statement as the server knows it: prepared under `name` on each connection that ran it. */
interface PreparedSql {
  readonly name: string;
  readonly text: string;
}

// frago's statements are a short, fixed list.
const preparedSql = new Map<string, PreparedSql>();

/**
 * Runs statements on the `pg` clients of MikroORM's knex pool, skipping knex and the
 * ORM. The clients keep the ORM's type parsers, so rows come back as the ORM's own
 * queries return them; a transaction is `BEGIN`, the script's statements, `COMMIT`.
 *
 * Statements with parameters are named prepared statements: each connection parses one
 * the first time it runs it (`pg` remembers which it has). They name their columns, so
 * a column added to a table later does not change what they return.
 *
 * Each execution is still planned for its values and the tables as they are then
 * (`plan_cache_mode = force_custom_plan` on the connection): a plan kept from when a
 * table was nearly empty would scan it whole once it holds thousands of chunks, until an
 * ANALYZE happened to replace it. The setting changes nothing for unnamed statements,
 * which the ORM uses.
 */
export class PostgresRunner extends PooledRunner<PostgresConnection> {
  constructor(
    pool: ConnectionPool<PostgresConnection>,
    platform: Platform,
    /** False: every statement is parsed anew (for poolers that cannot keep prepared statements). */
    private readonly named: boolean,
  ) {
    super(pool, platform);
  }

  // Connections already told to plan each execution; a connection the pool closes drops out.
  private readonly planning = new WeakSet<PostgresConnection>();

  protected override async ready(connection: PostgresConnection): Promise<void> {
    if (!this.named || this.planning.has(connection)) return;
    await this.execute(connection, { sql: 'set plan_cache_mode = force_custom_plan', params: [], returns: 'affected' });
    this.planning.add(connection);
  }

  protected async execute(connection: PostgresConnection, statement: Statement): Promise<Row[] | number> {
    try {
      const result =
        statement.params.length === 0
          ? await connection.query({ text: statement.sql, values: [] })
          : await connection.query({ ...this.numbered(statement.sql), values: statement.params });
      return statement.returns === 'rows' ? result.rows : (result.rowCount ?? 0);
    } catch (error) {
      throw this.driverFailure(error);
    }
  }

  private numbered(sql: string): { readonly name?: string; readonly text: string } {
    const statement = prepared(sql);
    return this.named ? statement : { text: statement.text };
  }

  protected async inTransaction<T>(connection: PostgresConnection, script: () => Script<T>): Promise<T> {
    await this.execute(connection, { sql: 'begin', params: [], returns: 'affected' });
    try {
      const steps = script();
      let step = steps.next();
      while (step.done !== true) step = steps.next(await this.execute(connection, step.value));
      await this.execute(connection, { sql: 'commit', params: [], returns: 'affected' });
      return step.value;
    } catch (error) {
      // The failure that ended the script is the one to report. A rollback fails only when
      // the connection broke, and knex's pool then drops that connection.
      await this.execute(connection, { sql: 'rollback', params: [], returns: 'affected' }).catch(() => undefined);
      throw error;
    }
  }
}

/**
 * `sql` as a named statement, its `?` placeholders numbered as PostgreSQL wants them
 * (`$1`, `$2`, ...); frago's SQL has no other question marks. The name is derived from
 * the text, so that two texts never share a name on one connection.
 */
function prepared(sql: string): PreparedSql {
  let statement = preparedSql.get(sql);
  if (statement === undefined) {
    let n = 0;
    const text = sql.replaceAll('?', () => `$${++n}`);
    statement = { name: `frago_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`, text };
    preparedSql.set(sql, statement);
  }
  return statement;
}

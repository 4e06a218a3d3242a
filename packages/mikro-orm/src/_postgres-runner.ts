import { createHash } from 'node:crypto';
import type { Platform } from '@mikro-orm/core';
import type { Pool, PoolClient } from 'pg';
import type { Row } from './_rows.js';
import type { Script, Statement, StatementRunner } from './_statements.js';
import { bindable, runScript } from './_statements.js';

/** A statement as the server knows it: prepared under `name` on each connection that ran it. */
interface PreparedSql {
  readonly name: string;
  readonly text: string;
}

// frago's statements are a short, fixed list.
const preparedSql = new Map<string, PreparedSql>();

/**
 * Runs statements on the `pg` pool behind MikroORM's PostgreSQL connection (which the
 * driver hands out as `getNativeClient()`), skipping the ORM's query building and value
 * escaping. The pool's clients keep the ORM's type parsers, so rows come back as the
 * ORM's own queries return them; a transaction is `BEGIN`, the script's statements, `COMMIT`.
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
export class PostgresRunner implements StatementRunner {
  // Connections already told to plan each execution; a connection the pool closes drops out.
  private readonly planning = new WeakSet<PoolClient>();
  // Connections whose rollback failed: they may still be inside a transaction.
  private readonly broken = new WeakSet<PoolClient>();

  constructor(
    private readonly pool: Pool,
    private readonly platform: Platform,
    /** False: every statement is parsed anew (for poolers that cannot keep prepared statements). */
    private readonly named: boolean,
  ) {}

  rows(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.on(async (client) => (await this.execute(client, { sql, params, returns: 'rows' })) as Row[]);
  }

  affected(sql: string, params: readonly unknown[]): Promise<number> {
    return this.on(async (client) => (await this.execute(client, { sql, params, returns: 'affected' })) as number);
  }

  transaction<T>(script: () => Script<T>): Promise<T> {
    return this.on(async (client) => {
      await this.execute(client, { sql: 'begin', params: [], returns: 'affected' });
      try {
        const result = await runScript(script(), (statement) => this.execute(client, statement));
        await this.execute(client, { sql: 'commit', params: [], returns: 'affected' });
        return result;
      } catch (error) {
        // The failure that ended the script is the one to report. A rollback fails only when
        // the connection broke; the pool must then close it rather than hand it out again.
        await this.execute(client, { sql: 'rollback', params: [], returns: 'affected' }).catch(() => this.broken.add(client));
        throw error;
      }
    });
  }

  private async on<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw this.driverFailure(error);
    });
    try {
      if (this.named && !this.planning.has(client)) {
        await this.execute(client, { sql: 'set plan_cache_mode = force_custom_plan', params: [], returns: 'affected' });
        this.planning.add(client);
      }
      return await work(client);
    } finally {
      client.release(this.broken.has(client));
    }
  }

  private async execute(client: PoolClient, statement: Statement): Promise<Row[] | number> {
    try {
      const values = statement.params.map(bindable);
      const result =
        values.length === 0
          ? await client.query<Row>({ text: statement.sql, values })
          : await client.query<Row>({ ...this.numbered(statement.sql), values });
      return statement.returns === 'rows' ? result.rows : (result.rowCount ?? 0);
    } catch (error) {
      throw this.driverFailure(error);
    }
  }

  private numbered(sql: string): { readonly name?: string; readonly text: string } {
    const statement = prepared(sql);
    return this.named ? statement : { text: statement.text };
  }

  /** A failure of the driver as the ORM's exception, as the ORM's own queries throw it. */
  private driverFailure(error: unknown): Error {
    return this.platform.getExceptionConverter().convertException(error as Error);
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

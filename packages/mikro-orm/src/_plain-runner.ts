import type { IsolationLevel, Platform, QueryResult } from '@mikro-orm/core';
import { DriverException } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import type { Row } from './_rows.js';
import type { Script, Statement, StatementRunner } from './_statements.js';
import { bindable, runScript } from './_statements.js';

/**
 * Runs statements through MikroORM's own connection (`execute`, `begin`, `commit`): the
 * path every SQL driver has. The ORM writes the values into the SQL text as its platform
 * escapes them, so rows read the same as the ORM's own queries read them.
 */
export class PlainRunner implements StatementRunner {
  constructor(
    private readonly connection: AbstractSqlConnection,
    private readonly platform: Platform,
    private readonly options: {
      /** For every transaction of the runner's; the database's default when absent. */
      readonly isolationLevel?: IsolationLevel;
      /** A statement every transaction runs first, before it reads anything. */
      readonly opening?: string;
    } = {},
  ) {}

  async rows(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.run({ sql, params, returns: 'rows' })) as Row[];
  }

  async affected(sql: string, params: readonly unknown[]): Promise<number> {
    return (await this.run({ sql, params, returns: 'affected' })) as number;
  }

  async transaction<T>(script: () => Script<T>): Promise<T> {
    const { isolationLevel, opening } = this.options;
    const trx = await this.converted(() => this.connection.begin(isolationLevel === undefined ? {} : { isolationLevel }));
    try {
      if (opening !== undefined) await this.run({ sql: opening, params: [], returns: 'affected' }, trx);
      const result = await runScript(script(), (statement) => this.run(statement, trx));
      await this.converted(() => this.connection.commit(trx));
      return result;
    } catch (error) {
      // The failure that ended the script is the one to report; a rollback fails only
      // when the connection broke, and the pool then drops that connection.
      await this.connection.rollback(trx).catch(() => undefined);
      throw error;
    }
  }

  private run(statement: Statement, trx?: Parameters<AbstractSqlConnection['commit']>[0]): Promise<Row[] | number> {
    return this.converted(async () => {
      const params = statement.params.map(bindable);
      if (statement.returns === 'rows') return this.connection.execute<Row[]>(statement.sql, params, 'all', trx);
      return (await this.connection.execute<QueryResult>(statement.sql, params, 'run', trx)).affectedRows;
    });
  }

  /** Runs `work`, its failures as the ORM's exceptions, as the ORM's own queries throw them. */
  private async converted<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw error instanceof DriverException ? error : this.platform.getExceptionConverter().convertException(error as Error);
    }
  }
}

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
 * drive it synchronously (better-sqlite3) or asynchronously (every other driver) alike.
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
  /** Runs one statement on its own and returns how many rows it changed (matched, on MySQL). */
  affected(sql: string, params: readonly unknown[]): Promise<number>;
  /**
   * Runs a script in one transaction that is committed when the script returns and
   * rolled back when a statement or the script throws.
   */
  transaction<T>(script: () => Script<T>): Promise<T>;
}

/** Drives `script` to its end, answering each statement with what `execute` returns for it. */
export async function runScript<T>(script: Script<T>, execute: (statement: Statement) => Promise<Row[] | number>): Promise<T> {
  let step = script.next();
  while (step.done !== true) step = script.next(await execute(step.value));
  return step.value;
}

/**
 * A value as the drivers bind it: bytes as a Node buffer, nothing as SQL null, a
 * boolean as 1 or 0 (SQLite binds no booleans; PostgreSQL reads `1` and `0` as booleans).
 */
export function bindable(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the test PostgreSQL runs; `FRAGO_TEST_POSTGRES_URL` overrides it. */
export const TEST_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/test';

/** A throw-away database on the test PostgreSQL server. */
export interface TestDatabase {
  /** Its name, `frago_test_<random hex>`. */
  readonly name: string;
  /** A connection URL for it, for MikroORM's `clientUrl`. */
  readonly clientUrl: string;
  /** Drops it, closing any connection still open to it. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database on the test server (by connecting to its `test`
 * database), so that each test file works alone and leaves nothing behind.
 *
 * @throws {Error} with a message naming the server when PostgreSQL is unreachable or
 *   refuses: the PostgreSQL tests must fail then, never skip.
 */
export async function createTestDatabase(adminUrl: string = process.env.FRAGO_TEST_POSTGRES_URL ?? TEST_POSTGRES_URL): Promise<TestDatabase> {
  const admin = new URL(adminUrl);
  const name = `frago_test_${randomBytes(6).toString('hex')}`;
  await simpleQuery(admin, `create database "${name}"`);
  const client = new URL(admin);
  client.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    name,
    clientUrl: client.toString(),
    drop: () => (dropped ??= simpleQuery(admin, `drop database if exists "${name}" with (force)`)),
  };
}

async function simpleQuery(server: URL, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query(sql);
  } catch (cause) {
    throw new Error(`PostgreSQL at ${server.host} (${server.pathname.slice(1)}): ${(cause as Error).message}`, { cause });
  } finally {
    await client.end().catch(() => undefined);
  }
}

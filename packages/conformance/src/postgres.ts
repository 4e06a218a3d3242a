import pg from 'pg';
import { createThrowAwayDatabase, type DatabaseServer, type TestDatabase } from './test-database.js';

export type { TestDatabase } from './test-database.js';

/** Where the test PostgreSQL runs; `FRAGO_TEST_POSTGRES_URL` overrides it. */
export const TEST_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/test';

const postgres: DatabaseServer = {
  label: 'PostgreSQL',
  create: (name) => `create database "${name}"`,
  drop: (name) => `drop database if exists "${name}" with (force)`,
  async run(url, sql) {
    const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};

/**
 * Creates a fresh, empty database on the test PostgreSQL server (by connecting to its
 * `test` database), so that each test file works alone and leaves nothing behind.
 *
 * @throws {Error} with a message naming the server when PostgreSQL is unreachable or
 *   refuses: the PostgreSQL tests must fail then, never skip.
 */
export function createTestDatabase(adminUrl: string = process.env.FRAGO_TEST_POSTGRES_URL ?? TEST_POSTGRES_URL): Promise<TestDatabase> {
  return createThrowAwayDatabase(postgres, adminUrl);
}

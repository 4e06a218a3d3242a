import mysql from 'mysql2/promise';
import { createThrowAwayDatabase, type DatabaseServer, type TestDatabase } from './test-database.js';

/** Where the test MariaDB runs, for MikroORM's MySQL and MariaDB drivers alike; `FRAGO_TEST_MARIADB_URL` overrides it. */
export const TEST_MARIADB_URL = 'mysql://root@127.0.0.1:3306/test';

const mariadb: DatabaseServer = {
  label: 'MariaDB',
  create: (name) => `create database \`${name}\``,
  // Dropping waits for open connections' locks; the tests close theirs first.
  drop: (name) => `drop database if exists \`${name}\``,
  async run(url, sql) {
    const connection = await mysql.createConnection({ uri: url.toString(), connectTimeout: 5000 });
    try {
      await connection.query(sql);
    } finally {
      await connection.end().catch(() => undefined);
    }
  },
};

/**
 * Creates a fresh, empty database on the test MariaDB server (by connecting to its
 * `test` database), so that each test file works alone and leaves nothing behind.
 *
 * @throws {Error} with a message naming the server when MariaDB is unreachable or
 *   refuses: the MySQL and MariaDB tests must fail then, never skip.
 */
export function createTestMariaDbDatabase(adminUrl: string = process.env.FRAGO_TEST_MARIADB_URL ?? TEST_MARIADB_URL): Promise<TestDatabase> {
  return createThrowAwayDatabase(mariadb, adminUrl);
}

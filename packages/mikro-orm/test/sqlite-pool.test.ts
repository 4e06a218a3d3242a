import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqlitePool } from '../src/index.js';
import { openSqlite, tempDirectory } from './_databases.js';

describe('sqlitePool', () => {
  it('opens SQLite in WAL mode with synchronous NORMAL and a busy timeout', async () => {
    const directory = await tempDirectory();
    const orm = await openSqlite(join(directory.path, 'tuned.sqlite'), { pool: sqlitePool({ busyTimeoutMs: 1234 }) });
    try {
      const connection = orm.em.getConnection();
      expect(await connection.execute('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await connection.execute('pragma synchronous')).toEqual([{ synchronous: 1 }]);
      expect(await connection.execute('pragma busy_timeout')).toEqual([{ timeout: 1234 }]);
    } finally {
      await orm.close(true);
      await directory.remove();
    }
  });
});

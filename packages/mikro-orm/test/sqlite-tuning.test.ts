import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tuneSqlite } from '../src/index.js';
import { DRIVER_LABELS, openOrm, tempDirectory } from './_databases.js';

describe.each(['sqlite', 'libsql'] as const)('tuneSqlite on %s', (driver) => {
  it(`opens SQLite in WAL mode with synchronous NORMAL and a busy timeout (${DRIVER_LABELS[driver]})`, async () => {
    const directory = await tempDirectory();
    const orm = await openOrm[driver](join(directory.path, 'tuned.sqlite'));
    try {
      await tuneSqlite(orm, { busyTimeoutMs: 1234 });

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

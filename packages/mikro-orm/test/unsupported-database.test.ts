import { describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/mongodb';
import type { AbstractSqlDriver } from '@mikro-orm/sql';
import type { SqlOrm } from '../src/index.js';
import {
  FragoChunkChecksumMigration,
  FragoChunkStorageDataMigration,
  FragoDeferredSizeMigration,
  FragoDirectModeMigration,
  FragoInitialMigration,
  FragoMillisecondTimestampsMigration,
  fragoMigrations,
  MikroOrmRepository,
  UnsupportedDatabaseError,
} from '../src/index.js';

// A database MikroORM supports and frago does not. The ORM is built without connecting
// (no MongoDB runs here): the refusal must come before any statement would be sent.
function openMongo() {
  return new MikroORM({ clientUrl: 'mongodb://127.0.0.1:9/frago', entities: [], discovery: { warnWhenNoEntities: false } });
}

const SUPPORTED = /@mikro-orm\/sqlite, @mikro-orm\/libsql, @mikro-orm\/postgresql, @mikro-orm\/mysql or @mikro-orm\/mariadb/;

describe('a database frago does not run on (MongoDB)', () => {
  it('is refused by every frago migration before it adds a statement, naming the supported drivers', async () => {
    const orm = openMongo();
    try {
      const migrations = [
        FragoInitialMigration,
        FragoChunkStorageDataMigration,
        FragoMillisecondTimestampsMigration,
        FragoDeferredSizeMigration,
        FragoChunkChecksumMigration,
        FragoDirectModeMigration,
      ];
      expect(migrations).toHaveLength(fragoMigrations.length);
      for (const FragoMigration of migrations) {
        // The migrator hands each migration its ORM's driver, whatever the database.
        const migration = new FragoMigration(orm.em.getDriver() as unknown as AbstractSqlDriver, orm.config);

        expect(() => migration.up()).toThrow(UnsupportedDatabaseError);
        expect(() => migration.up()).toThrow(SUPPORTED);
        expect(migration.getQueries()).toEqual([]);
      }
    } finally {
      await orm.close(true);
    }
  });

  it('is refused by the repository, naming the supported drivers', async () => {
    const orm = openMongo();
    try {
      // The repository asks the ORM for its platform first; MongoDB's is no SQL platform.
      expect(() => new MikroOrmRepository(orm as unknown as SqlOrm)).toThrow(SUPPORTED);
    } finally {
      await orm.close(true);
    }
  });
});

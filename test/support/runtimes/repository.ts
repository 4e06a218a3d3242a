import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { MemoryRepository, type UploadRepository } from '@frago/core';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '@frago/mikro-orm';

/**
 * The repository of a server process under the HTTP suite: PostgreSQL through
 * `@frago/mikro-orm` (migrated here) when the suite gave a database, else memory.
 * (SQLite is not offered: better-sqlite3 loads in neither Bun nor Deno.)
 */
export async function openRepository(databaseUrl: string | undefined): Promise<UploadRepository> {
  if (databaseUrl === undefined) return new MemoryRepository();
  const orm = await MikroORM.init({
    clientUrl: databaseUrl,
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
  });
  await orm.migrator.up();
  return new MikroOrmRepository(orm);
}

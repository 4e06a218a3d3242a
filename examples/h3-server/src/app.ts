import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { H3 } from 'h3';
import { MikroORM } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { ANONYMOUS, createFrago, type Frago } from '@frago/core';
import { fragoH3 } from '@frago/h3';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';

/** The h3 application and what it holds open. */
export interface H3App {
  readonly app: H3;
  readonly frago: Frago;
  /** Closes the database. */
  close(): Promise<void>;
}

/**
 * Builds the h3 application: the frago API at `/upload/` on SQLite
 * (`<dataDir>/frago.sqlite`, migrated on start) and disk storage under `dataDir`,
 * and a health check at `/healthz`.
 */
export async function createApp(dataDir: string): Promise<H3App> {
  await mkdir(dataDir, { recursive: true });
  const orm = await MikroORM.init({
    dbName: join(dataDir, 'frago.sqlite'),
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
  });
  await orm.migrator.up();
  const frago = createFrago({ repository: new MikroOrmRepository(orm), storage: new DiskStorage({ directory: dataDir }) });
  const app = new H3().get('/healthz', () => ({ ok: true })).use(fragoH3(frago, { identify: () => ANONYMOUS }));
  return { app, frago, close: () => orm.close() };
}

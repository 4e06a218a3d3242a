import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { MikroORM } from '@mikro-orm/better-sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { createFrago, type Frago } from '@frago/core';
import { fragoExpress } from '@frago/express';
import { fragoEntities, fragoMigrations, MikroOrmRepository, sqlitePool } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import type { ServerConfig } from './config.js';
import { uploadPage } from './page.js';

/** The folder of the client's browser bundle (`frago-client.js` and its hash worker). */
const clientBundle = dirname(fileURLToPath(import.meta.resolve('@frago/client/bundle')));

/** The default server's parts, ready to listen. */
export interface DefaultApp {
  readonly app: Express;
  readonly frago: Frago;
  readonly orm: MikroORM;
  /** Closes the database. */
  close(): Promise<void>;
}

/**
 * Builds the default server: SQLite in `<dataDir>/frago.sqlite` (migrated on start),
 * files under `<dataDir>/incoming` and `<dataDir>/assembled`, the API at `/upload/`
 * and the upload page at `/` with the client bundle it loads (`/frago-client.js`).
 */
export async function createApp(config: Pick<ServerConfig, 'dataDir'>): Promise<DefaultApp> {
  await mkdir(config.dataDir, { recursive: true });
  const orm = await MikroORM.init({
    dbName: join(config.dataDir, 'frago.sqlite'),
    pool: sqlitePool(),
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], transactional: true },
    discovery: { warnWhenNoEntities: false },
    debug: false,
  });
  await orm.getMigrator().up();

  const frago = createFrago({
    repository: new MikroOrmRepository(orm),
    storage: new DiskStorage({ directory: config.dataDir }),
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.type('html').send(uploadPage);
  });
  app.use(express.static(clientBundle, { index: false, maxAge: '1h' }));
  app.use(fragoExpress(frago));
  return { app, frago, orm, close: () => orm.close() };
}

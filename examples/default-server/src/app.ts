import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { MikroORM } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { createFrago, type Frago } from '@frago/core';
import { threadHashers } from '@frago/core/node';
import { fragoExpress } from '@frago/express';
import { fragoEntities, fragoMigrations, MikroOrmRepository, tuneSqlite } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import type { ServerConfig } from './config.js';
import { countCalls } from './in-flight.js';
import { uploadPage } from './page.js';

/** The folder of the client's browser bundle (`frago-client.js` and its hash worker). */
const clientBundle = dirname(fileURLToPath(import.meta.resolve('@frago/client/bundle')));

/** The default server's parts, ready to listen. */
export interface DefaultApp {
  readonly app: Express;
  readonly frago: Frago;
  readonly orm: MikroORM;
  /** Resolves once no API call is running. */
  settled(): Promise<void>;
  /** Stops the hashing thread and closes the database. */
  close(): Promise<void>;
}

/** What {@link createApp} reads from the server's settings. */
export type AppConfig = Pick<ServerConfig, 'dataDir'> &
  Partial<Pick<ServerConfig, 'claimLeaseMs' | 'assemblyLeaseMs' | 'bodyIdleTimeoutMs' | 'corsOrigins'>>;

/**
 * Builds the default server: SQLite in `<dataDir>/frago.sqlite` (migrated on start),
 * files under `<dataDir>/incoming` and `<dataDir>/assembled`, the API at `/upload/`
 * and the upload page at `/` with the client bundle it loads (`/frago-client.js`); tus 1.0
 * clients upload at `/files/`.
 */
export async function createApp(config: AppConfig): Promise<DefaultApp> {
  await mkdir(config.dataDir, { recursive: true });
  const orm = await MikroORM.init({
    dbName: join(config.dataDir, 'frago.sqlite'),
    entities: [...fragoEntities],
    extensions: [Migrator],
    // frago's migrations come as a list, not files: no schema snapshot to keep beside them.
    migrations: { migrationsList: [...fragoMigrations], transactional: true, snapshot: false },
    discovery: { warnWhenNoEntities: false },
    debug: false,
  });
  // Write-ahead logging: a commit appends to the log instead of syncing the database
  // file and a journal, which keeps the (synchronous) driver from stalling every request
  // on disk flushes. A killed process loses nothing committed; a power cut may lose the
  // last commits, which only makes a client resend chunks it was told were stored.
  await tuneSqlite(orm);
  await orm.migrator.up();
  // Whole-file checksums are computed on a worker thread, beside the event loop.
  const hashers = threadHashers();
  const frago = createFrago({
    repository: new MikroOrmRepository(orm),
    storage: new DiskStorage({ directory: config.dataDir }),
    checksum: { hashers },
    claimLeaseMs: config.claimLeaseMs,
    assemblyLeaseMs: config.assemblyLeaseMs,
    bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
    cors: config.corsOrigins === undefined ? undefined : { origin: config.corsOrigins },
    tus: { basePath: '/files' },
  });
  const calls = countCalls(frago.handle);
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.type('html').send(uploadPage);
  });
  app.use(express.static(clientBundle, { index: false, maxAge: '1h' }));
  app.use(fragoExpress({ ...frago, handle: calls.handle }));
  return {
    app,
    frago,
    orm,
    settled: calls.idle,
    close: async () => {
      await hashers.close();
      await orm.close();
    },
  };
}

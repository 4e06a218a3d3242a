import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { MikroORM } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { ANONYMOUS, createFrago, silentLogger, type Frago, type FragoLogger } from '@frago/core';
import { createProbeListener, threadHashers } from '@frago/core/node';
import { fragoExpress } from '@frago/express';
import { prometheusInstrumentation } from '@frago/prometheus';
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
  /** From now on `/readyz` answers 503 `draining`; requests are still served. */
  drain(): void;
  /** Stops the hashing thread and closes the database. */
  close(): Promise<void>;
}

/** What {@link createApp} reads from the server's settings. */
export type AppConfig = Pick<ServerConfig, 'dataDir'> &
  Partial<Pick<ServerConfig, 'claimLeaseMs' | 'assemblyLeaseMs' | 'bodyIdleTimeoutMs' | 'corsOrigins'>> & {
    /** Where requests and failures are logged; nothing is logged without one. */
    readonly logger?: FragoLogger;
  };

/**
 * Builds the default server: SQLite in `<dataDir>/frago.sqlite` (migrated on start),
 * files under `<dataDir>/incoming` and `<dataDir>/assembled`, the API at `/upload/`
 * the upload page at `/` with the client bundle it loads (`/frago-client.js`), tus 1.0
 * uploads at `/files/`, the probes `/healthz` and `/readyz`, and Prometheus metrics at
 * `/metrics`.
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
  const logger = config.logger ?? silentLogger;
  const prometheus = prometheusInstrumentation();
  const frago = createFrago({
    instrumentation: prometheus,
    logger,
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
  let draining = false;
  const app = express();
  app.disable('x-powered-by');
  const probes = createProbeListener({ readiness: () => frago.readiness(), draining: () => draining, logger });
  app.use((req, res, next) => void probes(req, res, next).catch(next));
  // Public here; see docs/operations.md to serve it on another port or behind auth.
  app.get('/metrics', async (_req, res) => {
    res.type(prometheus.registry.contentType).send(await prometheus.registry.metrics());
  });
  const openApi = await readFile(fileURLToPath(import.meta.resolve('@frago/core/openapi.json')), 'utf8');
  app.get('/openapi.json', (_req, res) => {
    res.type('json').send(openApi);
  });
  app.get('/', (_req, res) => {
    res.type('html').send(uploadPage);
  });
  app.use(express.static(clientBundle, { index: false, maxAge: '1h' }));
  // The default server has no sign-in: it accepts uploads from anyone, explicitly.
  app.use(fragoExpress({ ...frago, handle: calls.handle }, { identify: () => ANONYMOUS }));
  return {
    app,
    frago,
    orm,
    settled: calls.idle,
    drain: () => {
      draining = true;
    },
    close: async () => {
      await hashers.close();
      await orm.close();
    },
  };
}

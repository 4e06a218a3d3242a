// frago under benchmark: `frago.ts ADAPTER DATABASE DATA_DIR [POSTGRES_URL]`, with
// ADAPTER express, fastify, h3 or node, DATABASE sqlite or postgres, and the library's defaults.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MikroORM as SqliteOrm } from '@mikro-orm/better-sqlite';
import { MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { createFrago, type Frago } from '@frago/core';
import { threadHashers } from '@frago/core/node';
import { fragoEntities, fragoMigrations, MikroOrmRepository, sqlitePool } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import { BENCH_SERVERS } from '../adapter-servers.js';

const [adapter = 'express', database = 'sqlite', dataDir = '.', postgresUrl = ''] = process.argv.slice(2);

const config = {
  entities: [...fragoEntities],
  extensions: [Migrator],
  migrations: { migrationsList: [...fragoMigrations], silent: true },
};
const orm =
  database === 'postgres'
    ? await PostgresOrm.init({ ...config, clientUrl: postgresUrl })
    : await SqliteOrm.init({ ...config, dbName: join(dataDir, 'frago.sqlite'), pool: sqlitePool() });
await orm.getMigrator().up();

const fsync = process.env.FRAGO_FSYNC === 'none' ? 'none' : 'chunk';
const hashers = process.env.FRAGO_HASHING === 'in-thread' ? undefined : threadHashers();
const frago: Frago = createFrago({
  repository: new MikroOrmRepository(orm),
  storage: new DiskStorage({ directory: dataDir, fsync }),
  limits: { maxUploadSize: 64 * 2 ** 30 },
  checksum: hashers === undefined ? {} : { hashers },
});

const adapters: Record<string, keyof typeof BENCH_SERVERS> = {
  express: 'Express',
  fastify: 'Fastify',
  h3: 'h3',
  node: 'node:http + core',
};
const row = adapters[adapter];
if (row === undefined) throw new Error(`unknown adapter ${adapter}`);
const server = await BENCH_SERVERS[row](frago, dataDir);
server.listen(0, '127.0.0.1', () => {
  console.log(`frago listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
// The benchmark asks what the heap holds once garbage is collected (started with --expose-gc).
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  console.log(`heap after gc ${process.memoryUsage().heapUsed}`);
});
process.once('SIGTERM', () => server.close(() => void orm.close().then(() => process.exit(0))));

// frago under benchmark: `frago.ts ADAPTER DRIVER DATA_DIR TARGET`, with ADAPTER express,
// fastify, h3 or node, DRIVER a MikroORM SQL package (sqlite, postgresql, mysql, mariadb,
// libsql), TARGET its file or connection URL, and the library's defaults. With
// FRAGO_S3_ENDPOINT and FRAGO_S3_BUCKET, the bytes go to that bucket (S3Storage, 8 MiB
// parts) instead of DATA_DIR.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { checksumAlgorithmNamed, createFrago, type Frago } from '@frago/core';
import { threadHashers } from '@frago/core/node';
import { fragoEntities, fragoMigrations, MikroOrmRepository, tuneSqlite, type SqlOrm } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import { BENCH_SERVERS } from '../adapter-servers.js';
import type { BenchDriver } from '../lib/databases.js';
import { answerCpuQuestions } from './cpu-answer.js';

const [adapter = 'express', driver = 'sqlite', dataDir = '.', target = ''] = process.argv.slice(2);

/** What the server needs of any driver's MikroORM. */
type Orm = SqlOrm & { readonly migrator: { up(): Promise<unknown> }; close(): Promise<void> };
type Init = (options: Record<string, unknown>) => Promise<Orm>;
// Each driver's package exports its MikroORM; only the one asked for is loaded.
const drivers: Record<BenchDriver, () => Promise<{ MikroORM: { init: unknown } }>> = {
  sqlite: () => import('@mikro-orm/sqlite'),
  libsql: () => import('@mikro-orm/libsql'),
  postgresql: () => import('@mikro-orm/postgresql'),
  mysql: () => import('@mikro-orm/mysql'),
  mariadb: () => import('@mikro-orm/mariadb'),
};
const load = drivers[driver as BenchDriver];
if (load === undefined) throw new Error(`unknown driver ${driver}`);
const { MikroORM } = await load();
const sqlite = driver === 'sqlite' || driver === 'libsql';
const orm = await (MikroORM.init as Init).call(MikroORM, {
  entities: [...fragoEntities],
  extensions: [Migrator],
  migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
  ...(sqlite ? { dbName: target } : { clientUrl: target }),
});
if (sqlite) await tuneSqlite(orm);
await orm.migrator.up();

const fsync = process.env.FRAGO_FSYNC === 'none' ? 'none' : 'chunk';
const hashers = process.env.FRAGO_HASHING === 'in-thread' ? undefined : threadHashers();
const defaultAlgorithm = process.env.FRAGO_DEFAULT_ALGORITHM ? checksumAlgorithmNamed(process.env.FRAGO_DEFAULT_ALGORITHM) : undefined;
// As the default server observes itself: JSON lines (here to a file) and Prometheus metrics.
// pino and the metrics are loaded only then, so the other rows do not carry their modules.
const observed = process.env.FRAGO_OBSERVED === '1' ? await observers() : {};
async function observers() {
  const [{ pino }, { prometheusInstrumentation }] = await Promise.all([import('pino'), import('@frago/prometheus')]);
  return { logger: pino(pino.destination({ dest: join(dataDir, 'frago.log'), sync: false })), instrumentation: prometheusInstrumentation() };
}
// The S3 storage and the AWS SDK are loaded only for the S3 rows: their modules would
// add about 20 MB to every other row's memory.
async function s3Storage(endpoint: string) {
  const [{ S3Storage }, { s3Client }] = await Promise.all([import('@frago/storage-s3'), import('../lib/s3.js')]);
  return new S3Storage({ client: s3Client(endpoint), bucket: process.env.FRAGO_S3_BUCKET ?? '', partSize: 8 * 2 ** 20 });
}
const frago: Frago = createFrago({
  ...observed,
  repository: new MikroOrmRepository(orm),
  storage: process.env.FRAGO_S3_ENDPOINT ? await s3Storage(process.env.FRAGO_S3_ENDPOINT) : new DiskStorage({ directory: dataDir, fsync }),
  limits: { maxUploadSize: 64 * 2 ** 30 },
  // tus at /files, for the rows that upload through tus clients; frago's own API is unchanged.
  tus: true,
  checksum: {
    ...(hashers === undefined ? {} : { hashers }),
    // FRAGO_CHECKSUM=off: no whole-file checksum at all, to measure what hashing costs.
    ...(process.env.FRAGO_CHECKSUM === 'off' ? { mode: 'off' as const } : {}),
    // FRAGO_DEFAULT_ALGORITHM: the algorithm of uploads that name none (tus ones), md5 unless set.
    ...(defaultAlgorithm === undefined ? {} : { defaultAlgorithm }),
  },
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
answerCpuQuestions();
process.once('SIGTERM', () => server.close(() => void orm.close().then(() => process.exit(0))));

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ANONYMOUS, createFrago, type Frago, type FragoLogger, type Storage } from '@frago/core';
import { createProbeListener } from '@frago/core/node';
import { fragoExpress } from '@frago/express';
import { prometheusInstrumentation } from '@frago/prometheus';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import { S3Storage } from '@frago/storage-s3';
import type { ServerConfig, StorageConfig } from './config.js';

/** One process's parts, ready to listen. */
export interface ScaleOutApp {
  readonly app: Express;
  readonly frago: Frago;
  /** From now on `/readyz` answers 503 `draining`; requests are still served. */
  drain(): void;
  /** Closes the database pool. */
  close(): Promise<void>;
}

/** The storage a process of this server uses, from its settings. */
export function storageFrom(config: StorageConfig): Storage {
  if (config.kind === 'disk') return new DiskStorage({ directory: config.directory });
  const credentials =
    config.accessKeyId && config.secretAccessKey
      ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
      : undefined;
  return new S3Storage({
    bucket: config.bucket,
    endpoint: config.endpoint,
    region: config.region,
    credentials,
    forcePathStyle: config.forcePathStyle,
    prefix: config.prefix,
    partSize: config.partSize,
  });
}

/**
 * Builds one stateless process: every decision is made in PostgreSQL, every byte goes to
 * the shared storage, so any number of these can serve the same uploads. Besides the
 * API it serves `/healthz`, `/readyz` (PostgreSQL and the storage answer), `/metrics`
 * and the API's OpenAPI document at `/openapi.json`.
 */
export async function createApp(config: ServerConfig, logger: FragoLogger): Promise<ScaleOutApp> {
  const orm = await MikroORM.init({
    clientUrl: config.databaseUrl,
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], transactional: true, silent: true, snapshot: false },
    discovery: { warnWhenNoEntities: false },
    debug: false,
  });
  if (config.migrate) await orm.migrator.up();
  const prometheus = prometheusInstrumentation();
  const frago = createFrago({
    instrumentation: prometheus,
    logger,
    repository: new MikroOrmRepository(orm),
    storage: storageFrom(config.storage),
    claimLeaseMs: config.claimLeaseMs,
    assemblyLeaseMs: config.assemblyLeaseMs,
    bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
    expirationMs: config.expirationMs,
    tus: true,
  });
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
  // Sign-in belongs in front of this (a gateway, or an identify of your own); as it
  // stands, this example accepts uploads from anyone, explicitly.
  app.use(fragoExpress(frago, { identify: () => ANONYMOUS }));
  const drain = () => {
    draining = true;
  };
  return { app, frago, drain, close: () => orm.close() };
}

import express, { type Express } from 'express';
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { createFrago, type Frago, type Storage } from '@frago/core';
import { fragoExpress } from '@frago/express';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import { S3Storage } from '@frago/storage-s3';
import type { ServerConfig, StorageConfig } from './config.js';

/** One process's parts, ready to listen. */
export interface ScaleOutApp {
  readonly app: Express;
  readonly frago: Frago;
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
 * the shared storage, so any number of these can serve the same uploads.
 */
export async function createApp(config: ServerConfig): Promise<ScaleOutApp> {
  const orm = await MikroORM.init({
    clientUrl: config.databaseUrl,
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], transactional: true, silent: true, snapshot: false },
    discovery: { warnWhenNoEntities: false },
    debug: false,
  });
  if (config.migrate) await orm.migrator.up();
  const frago = createFrago({
    repository: new MikroOrmRepository(orm),
    storage: storageFrom(config.storage),
    claimLeaseMs: config.claimLeaseMs,
    assemblyLeaseMs: config.assemblyLeaseMs,
    bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
    expirationMs: config.expirationMs,
    tus: true,
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(fragoExpress(frago));
  return { app, frago, close: () => orm.close() };
}

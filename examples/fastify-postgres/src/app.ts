import Fastify, { type FastifyInstance } from 'fastify';
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ANONYMOUS, createFrago, type Frago } from '@frago/core';
import { fragoFastify } from '@frago/fastify';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';

/** Where the server keeps its state. */
export interface AppConfig {
  /** A PostgreSQL URL; the database is created when missing and migrated on start. */
  readonly databaseUrl: string;
  /** Holds the `incoming/` and `assembled/` folders. */
  readonly dataDir: string;
}

/**
 * Builds the Fastify application: the frago API at `/upload/` on PostgreSQL and disk
 * storage. Closing the application closes the database.
 */
export async function createApp(config: AppConfig): Promise<{ app: FastifyInstance; frago: Frago }> {
  const orm = await MikroORM.init({
    clientUrl: config.databaseUrl,
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
  });
  await orm.schema.ensureDatabase();
  await orm.migrator.up();

  const frago = createFrago({ repository: new MikroOrmRepository(orm), storage: new DiskStorage({ directory: config.dataDir }) });
  const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  app.addHook('onClose', () => orm.close());
  await app.register(fragoFastify, { frago, identify: () => ANONYMOUS });
  return { app, frago };
}

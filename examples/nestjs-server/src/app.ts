import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { ANONYMOUS, createFrago, type Frago } from '@frago/core';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '@frago/mikro-orm';
import { FragoModule } from '@frago/nestjs';
import { DiskStorage } from '@frago/storage-disk';

/** The Nest application and what it holds open. */
export interface NestApp {
  readonly app: NestExpressApplication;
  readonly frago: Frago;
  /** Closes the application and the database. */
  close(): Promise<void>;
}

/**
 * Builds the Nest application: the frago API at `/upload/` on SQLite
 * (`<dataDir>/frago.sqlite`, migrated on start) and disk storage under `dataDir`. An
 * application of your own imports `FragoModule.forRoot(...)` into its root module.
 */
export async function createApp(dataDir: string): Promise<NestApp> {
  await mkdir(dataDir, { recursive: true });
  const orm = await MikroORM.init({
    dbName: join(dataDir, 'frago.sqlite'),
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
  });
  await orm.migrator.up();
  const frago = createFrago({ repository: new MikroOrmRepository(orm), storage: new DiskStorage({ directory: dataDir }) });
  // Nest's urlencoded body parser would consume the original's form starts before frago.
  const app = await NestFactory.create<NestExpressApplication>(FragoModule.forRoot({ frago, identify: () => ANONYMOUS }), new ExpressAdapter(), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  return {
    app,
    frago,
    close: async () => {
      await app.close();
      await orm.close();
    },
  };
}

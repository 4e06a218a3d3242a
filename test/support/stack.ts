import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM as SqliteOrm } from '@mikro-orm/better-sqlite';
import { MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { createTestDatabase, diskFiles } from '@frago/conformance';
import { fragoEntities, fragoMigrations, MikroOrmRepository } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';

/** A real repository and disk storage in a temp folder, as a deployment would have them. */
export interface Stack {
  readonly repository: MikroOrmRepository;
  readonly storage: DiskStorage;
  readonly dataDir: string;
  /** Runs raw SQL against the stack's database. */
  sql(query: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  readAssembled(location: string): Promise<Uint8Array>;
  isInsideStorage(location: string): boolean;
  /** Every row of the upload and chunk tables, in a stable order. */
  snapshot(): Promise<{ uploads: unknown[]; chunks: unknown[] }>;
  /** What no response may reveal: the data folder and the database URL. */
  readonly secrets: readonly string[];
  /**
   * Another repository and storage on the same database and folder, with its own
   * connection pool, as a second server process would have them.
   */
  connectAgain(): Promise<{ repository: MikroOrmRepository; storage: DiskStorage; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** Opens SQLite (a file in the temp folder) or a fresh PostgreSQL database, migrated, with disk storage. */
export async function openStack(database: 'sqlite' | 'postgres'): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), `frago-${database}-`));
  const config = {
    entities: [...fragoEntities],
    extensions: [Migrator],
    migrations: { migrationsList: [...fragoMigrations], silent: true },
  };
  const pg = database === 'postgres' ? await createTestDatabase() : undefined;
  const connect = () =>
    pg ? PostgresOrm.init({ ...config, clientUrl: pg.clientUrl }) : SqliteOrm.init({ ...config, dbName: join(dataDir, 'frago.sqlite') });
  const orm = await connect();
  const others: Array<{ close(force: boolean): Promise<void> }> = [];
  await orm.getMigrator().up();
  const storage = new DiskStorage({ directory: dataDir });
  const sql = (query: string, params: unknown[] = []) => orm.em.getConnection().execute<Array<Record<string, unknown>>>(query, params);
  return {
    repository: new MikroOrmRepository(orm),
    storage,
    dataDir,
    sql,
    snapshot: async () => ({
      uploads: await sql('select * from frago_upload order by id'),
      chunks: await sql('select * from frago_chunk order by upload_id, start_byte'),
    }),
    secrets: [dataDir, ...(pg ? [pg.clientUrl, pg.name] : [])],
    ...diskFiles(dataDir),
    async connectAgain() {
      const other = await connect();
      others.push(other);
      return { repository: new MikroOrmRepository(other), storage: new DiskStorage({ directory: dataDir }), close: () => other.close(true) };
    },
    async close() {
      for (const other of others) await other.close(true);
      await orm.close(true);
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriverDatabase, diskFiles, openTestOrm, type SqlDriver } from '@frago/conformance';
import { MikroOrmRepository } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';

/** A real repository and disk storage in a temp folder, as a deployment would have them. */
export interface Stack {
  readonly repository: MikroOrmRepository;
  readonly storage: DiskStorage;
  readonly dataDir: string;
  /** The database's file or connection URL, for another process to open. */
  readonly target: string;
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

/**
 * Opens a fresh database of `driver` (a SQLite or libSQL file, or a new database on the
 * test PostgreSQL or MariaDB), migrated, with disk storage in a temp folder.
 */
export async function openStack(driver: SqlDriver): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), `frago-${driver}-`));
  const database = await createDriverDatabase(driver);
  const connect = () => openTestOrm(driver, database.target);
  const orm = await connect();
  const others: Array<{ close(force: boolean): Promise<void> }> = [];
  await orm.migrator.up();
  const storage = new DiskStorage({ directory: dataDir });
  const sql = (query: string, params: unknown[] = []) => orm.em.getConnection().execute<Array<Record<string, unknown>>>(query, params);
  return {
    repository: new MikroOrmRepository(orm),
    storage,
    dataDir,
    target: database.target,
    sql,
    snapshot: async () => ({
      uploads: await sql('select * from frago_upload order by id'),
      chunks: await sql('select * from frago_chunk order by upload_id, start_byte'),
    }),
    secrets: [dataDir, ...database.secrets],
    ...diskFiles(dataDir),
    async connectAgain() {
      const other = await connect();
      others.push(other);
      return { repository: new MikroOrmRepository(other), storage: new DiskStorage({ directory: dataDir }), close: () => other.close(true) };
    },
    async close() {
      for (const other of others) await other.close(true);
      await orm.close(true);
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

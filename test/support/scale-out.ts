import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestBucket, type TestDatabase } from '@frago/conformance';
import { ROOT, startServerProcess, type ServerProcess } from './server-process.js';

/** The built scale-out server (Express + PostgreSQL + S3 or a shared folder). */
export const SCALE_OUT_SERVER = join(ROOT, 'examples/scale-out-server/dist/server.js');

const MiB = 1024 * 1024;

/** The scale-out server's settings for storing in `bucket` with 5 MiB parts. */
export function s3ServerEnv(bucket: TestBucket): Record<string, string> {
  return {
    FRAGO_STORAGE: 's3',
    FRAGO_S3_BUCKET: bucket.name,
    FRAGO_S3_ENDPOINT: bucket.endpoint,
    FRAGO_S3_ACCESS_KEY_ID: bucket.options.credentials.accessKeyId,
    FRAGO_S3_SECRET_ACCESS_KEY: bucket.options.credentials.secretAccessKey,
    FRAGO_S3_PATH_STYLE: '1',
    FRAGO_S3_PART_SIZE: String(5 * MiB),
  };
}

/**
 * Everything in `bucket` that belongs to no finished file: objects below `incoming/`
 * (manifests, staged pieces) and open multipart uploads (ListObjectsV2 and
 * ListMultipartUploads).
 */
export async function bucketLeftovers(bucket: TestBucket): Promise<string[]> {
  return [
    ...(await bucket.keys()).filter((key) => key.startsWith('incoming/')),
    ...(await bucket.multipartUploads()).map((key) => `multipart upload of ${key}`),
  ];
}

/** Scale-out servers sharing one fresh PostgreSQL database, and a client of that database for raw reads. */
export interface ScaleOutCluster {
  readonly database: TestDatabase;
  readonly sql: pg.Client;
  readonly servers: ServerProcess[];
  /** Stops the servers (SIGTERM), then closes and drops the database. */
  stop(): Promise<void>;
}

/**
 * Starts `count` scale-out servers with `env` (their storage, leases) on a fresh
 * database, one after the other: the first migrates it, the others find nothing to do.
 */
export async function startScaleOut(env: Record<string, string>, count = 3): Promise<ScaleOutCluster> {
  const database = await createTestDatabase();
  const sql = new pg.Client({ connectionString: database.clientUrl });
  await sql.connect();
  const servers: ServerProcess[] = [];
  const settings = { ...env, FRAGO_DATABASE_URL: database.clientUrl, PORT: '0', HOST: '127.0.0.1' };
  for (let i = 0; i < count; i++) servers.push(await startServerProcess(SCALE_OUT_SERVER, settings));
  return {
    database,
    sql,
    servers,
    async stop() {
      for (const server of servers) await server.stop('SIGTERM');
      await sql.end();
      await database.drop();
    },
  };
}

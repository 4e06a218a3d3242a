import { GetObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createTestBucket, createTestDatabase, type TestBucket, type TestDatabase } from '@frago/conformance';
import { freePort, type CrashTarget } from './crash-target.js';
import { bucketLeftovers, s3ServerEnv, SCALE_OUT_SERVER } from './scale-out.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** Several scale-out processes on one database and one bucket, which the tests may look into. */
export interface ScaleOutTarget extends CrashTarget {
  readonly database: TestDatabase;
  readonly bucket: TestBucket;
  /** Runs SQL against the shared database (`$1`-style parameters). */
  sql(text: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** What each running process printed so far. */
  outputs(): string[];
}

/**
 * `processes` scale-out servers (Express + PostgreSQL + S3) on one fresh database and
 * one fresh bucket, each on a fixed port, with `env` added to their environment. Clients
 * are handed the processes in turn, so every upload's requests spread over all of them;
 * a crash kills them all.
 */
export async function scaleOutS3Target(processes: number, env: Record<string, string> = {}): Promise<ScaleOutTarget> {
  const database = await createTestDatabase();
  const bucket = await createTestBucket();
  const sql = new pg.Client({ connectionString: database.clientUrl });
  await sql.connect();
  const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
  const shared = { ...s3ServerEnv(bucket), ...env, FRAGO_DATABASE_URL: database.clientUrl, HOST: '127.0.0.1' };
  let servers: ServerProcess[] = [];
  let turn = 0;
  const stopAll = async (signal: NodeJS.Signals) => {
    const stopping = servers;
    servers = [];
    await Promise.all(stopping.map((server) => server.stop(signal)));
  };
  return {
    name: `${processes} scale-out processes (Express + PostgreSQL + S3)`,
    database,
    bucket,
    outputs: () => servers.map((server) => server.output()),
    sql: async (text, params = []) => (await sql.query<Record<string, unknown>>(text, params)).rows,
    secrets: [database.clientUrl, database.name, bucket.options.credentials.secretAccessKey],
    async start() {
      // The first migrates (nothing to do after the first start); the others do not touch the schema.
      const started = await Promise.allSettled(
        ports.map((port, index) => startServerProcess(SCALE_OUT_SERVER, { ...shared, PORT: String(port), FRAGO_MIGRATE: index === 0 ? '1' : '0' })),
      );
      servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failed = started.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
    kill: () => stopAll('SIGKILL'),
    origin: () => `http://127.0.0.1:${ports[turn++ % ports.length]}`,
    async readCompleted(id) {
      const { rows } = await sql.query<{ location: string }>("select location from frago_upload where id = $1 and status = 'complete'", [id]);
      const location = rows[0]?.location;
      if (location === undefined) throw new Error(`upload ${id} is not complete`);
      const response = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: location }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
    },
    leftovers: () => bucketLeftovers(bucket),
    pids: () => servers.flatMap((server) => (server.child.pid === undefined ? [] : [server.child.pid])),
    async exited() {
      const running = servers;
      servers = [];
      return Promise.all(running.map(async (server) => ({ code: await server.exited(), output: server.output() })));
    },
    async stop() {
      await stopAll('SIGTERM');
      await sql.end();
      await bucket.drop();
      await database.drop();
    },
  };
}

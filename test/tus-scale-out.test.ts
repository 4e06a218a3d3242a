import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, createTestDatabase, type TestBucket, type TestDatabase } from '@frago/conformance';
import { startRoundRobin } from './support/round-robin.js';
import { bucketLeftovers, s3ServerEnv, SCALE_OUT_SERVER } from './support/scale-out.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { tusUpload } from './support/tus-upload.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('tus-js-client parallelUploads on three scale-out processes sharing PostgreSQL and S3', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let sql: pg.Client;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    bucket = await createTestBucket();
    sql = new pg.Client({ connectionString: database.clientUrl });
    await sql.connect();
    const env = { ...s3ServerEnv(bucket), FRAGO_DATABASE_URL: database.clientUrl, PORT: '0', HOST: '127.0.0.1' };
    for (let i = 0; i < 3; i++) servers.push(await startServerProcess(SCALE_OUT_SERVER, env));
  }, 120_000);
  afterAll(async () => {
    for (const server of servers) await server.stop('SIGTERM');
    await sql?.end();
    await bucket?.drop();
    await database?.drop();
  });

  it('joins four parts whose requests each process served some of, byte-identical, leaving nothing behind', async () => {
    const proxy = await startRoundRobin(servers.map((server) => server.origin));
    try {
      const bytes = randomBytes(13 * MiB + 11);
      const run = await tusUpload(bytes, { endpoint: `${proxy.origin}/files/`, parallelUploads: 4, chunkSize: 2 * MiB, metadata: { filename: 'spread.bin' } });
      expect(run.outcome).toBe('success');
      const patchedBy = new Set(proxy.log.filter((entry) => entry.method === 'PATCH').map((entry) => entry.origin));
      expect(patchedBy.size).toBe(3);
      const id = run.url.split('/').pop() ?? '';
      const { rows } = await sql.query('select status, checksum, location from frago_upload where id = $1', [id]);
      expect(rows[0]).toMatchObject({ status: 'complete', checksum: md5(bytes) });
      const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: String(rows[0]?.location) }));
      expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
      expect(await bucketLeftovers(bucket)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

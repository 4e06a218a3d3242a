import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, type TestBucket } from '@frago/conformance';
import { startRoundRobin } from './support/round-robin.js';
import { bucketLeftovers, s3ServerEnv, startScaleOut, type ScaleOutCluster } from './support/scale-out.js';
import { tusUpload } from './support/tus-upload.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('tus-js-client parallelUploads on three scale-out processes sharing PostgreSQL and S3', () => {
  let bucket: TestBucket;
  let cluster: ScaleOutCluster;

  beforeAll(async () => {
    bucket = await createTestBucket();
    cluster = await startScaleOut(s3ServerEnv(bucket));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await bucket?.drop();
  });

  it('joins four parts whose requests each process served some of, byte-identical, leaving nothing behind', async () => {
    const proxy = await startRoundRobin(cluster.servers.map((server) => server.origin));
    try {
      const bytes = randomBytes(13 * MiB + 11);
      const run = await tusUpload(bytes, { endpoint: `${proxy.origin}/files/`, parallelUploads: 4, chunkSize: 2 * MiB, metadata: { filename: 'spread.bin' } });
      expect(run.outcome).toBe('success');
      const patchedBy = new Set(proxy.log.filter((entry) => entry.method === 'PATCH').map((entry) => entry.origin));
      expect(patchedBy.size).toBe(3);
      const id = run.url.split('/').pop() ?? '';
      const { rows } = await cluster.sql.query('select status, checksum, location from frago_upload where id = $1', [id]);
      expect(rows[0]).toMatchObject({ status: 'complete', checksum: md5(bytes) });
      const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: String(rows[0]?.location) }));
      expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
      expect(await bucketLeftovers(bucket)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

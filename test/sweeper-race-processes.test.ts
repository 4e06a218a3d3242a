import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, put } from './support/cluster-client.js';
import { scaleOutS3Target, type ScaleOutTarget } from './support/scale-out-target.js';

const PROCESSES = 3;
const EXPIRATION_MS = 8000;
const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The sweeper of every scale-out process runs every 100 ms against one PostgreSQL
 * database and one bucket, so they all find the same uploads expired at the same
 * moment and race to delete them.
 */
describe(`the sweeper, raced by ${PROCESSES} scale-out processes on one PostgreSQL database and one S3 bucket`, () => {
  let cluster: ScaleOutTarget;

  beforeAll(async () => {
    cluster = await scaleOutS3Target(PROCESSES, { FRAGO_EXPIRATION_MS: String(EXPIRATION_MS), FRAGO_SWEEP_INTERVAL_MS: '100' });
    await cluster.start();
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('expires every upload exactly once, leaves nothing of it in the bucket or the database, and never touches a completed file', async () => {
    const { bucket } = cluster;
    // Each call goes to the next process in turn.
    const start = async (filename: string, size: number) => {
      const started = await call(cluster.origin(), 'POST', '/', { filename, total_size: size });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      return String(started.body.upload_id);
    };
    const send = async (id: string, bytes: Uint8Array, range: { start: number; end: number }) => {
      const sent = await put(cluster.origin(), id, bytes, range);
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    };

    // Completed first, well within their expiry: one whole part plus a staged piece each.
    const completed: Array<{ id: string; bytes: Uint8Array; filename: string }> = [];
    for (let i = 0; i < 2; i++) {
      const bytes = new Uint8Array(randomBytes(5 * MiB + 300_000));
      const filename = `done-${i}.bin`;
      const id = await start(filename, bytes.length);
      await send(id, bytes, { start: 0, end: 5 * MiB - 1 });
      await send(id, bytes, { start: 5 * MiB, end: bytes.length - 1 });
      const done = await call(cluster.origin(), 'POST', `/${id}/`, { checksum: md5(bytes) });
      expect(done.status, JSON.stringify(done.body)).toBe(201);
      completed.push({ id, bytes, filename });
    }

    // Left to expire: some with a part in the multipart upload, all but one with a staged piece.
    const expiring: string[] = [];
    for (let i = 0; i < 8; i++) {
      const bytes = new Uint8Array(randomBytes(6 * MiB));
      const id = await start(`left-${i}.bin`, bytes.length);
      if (i % 2 === 0) await send(id, bytes, { start: 0, end: 5 * MiB - 1 });
      if (i !== 7) await send(id, bytes, { start: 5 * MiB, end: 5 * MiB + 200_000 });
      expiring.push(id);
      // In the bucket now: its manifest (and staged piece), and its open multipart upload.
      expect((await bucket.keys()).filter((key) => key.startsWith(`incoming/${id}/`)).length).toBe(i === 7 ? 1 : 2);
      expect((await bucket.multipartUploads()).filter((key) => key.startsWith(id))).toHaveLength(1);
    }

    const rowsOf = (table: 'frago_upload' | 'frago_chunk', column: 'id' | 'upload_id', ids: string[]) =>
      cluster.sql(`select ${column} from ${table} where ${column} = any($1)`, [ids]);
    for (let waited = 0; waited < 60_000; waited += 200) {
      if ((await rowsOf('frago_upload', 'id', expiring)).length === 0 && (await cluster.leftovers()).length === 0) break;
      await sleep(200);
    }
    // A few more sweeps of every process, which must find nothing more to expire.
    await sleep(500);

    const byProcess = cluster.outputs().map((output) =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg?: string; uploadId?: string })
        .filter((line) => line.msg === 'upload expired')
        .map((line) => line.uploadId as string),
    );
    expect(byProcess.flat().sort()).toEqual([...expiring].sort());
    expect(await rowsOf('frago_upload', 'id', expiring)).toEqual([]);
    expect(await rowsOf('frago_chunk', 'upload_id', expiring)).toEqual([]);
    expect(await cluster.leftovers()).toEqual([]);
    for (const id of expiring) expect((await call(cluster.origin(), 'GET', `/${id}/`)).status).toBe(404);

    const finished = await cluster.sql('select status, location from frago_upload where id = any($1)', [completed.map(({ id }) => id)]);
    expect(finished.map(({ status }) => status)).toEqual(['complete', 'complete']);
    for (const { id, bytes, filename } of completed) {
      expect(Buffer.from(await cluster.readCompleted(id, filename)).equals(Buffer.from(bytes))).toBe(true);
    }
    expect(await bucket.keys()).toEqual(finished.map(({ location }) => String(location)).sort());
    console.log(
      `[sweeper] ${PROCESSES} processes on PostgreSQL and S3: ${expiring.length} expired uploads, each expired once ` +
        `(by process ${byProcess.map((ids) => ids.length).join(' / ')}); 0 rows, 0 objects and 0 multipart uploads of them left; ` +
        `${completed.length} completed files untouched`,
    );
  });
});

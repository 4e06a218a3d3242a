import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, type TestBucket } from '@frago/conformance';
import { call, chunksOf, inParallel, put, resume } from './support/cluster-client.js';
import { bucketLeftovers, s3ServerEnv, startScaleOut, type ScaleOutCluster } from './support/scale-out.js';
import type { ServerProcess } from './support/server-process.js';
const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

interface Upload {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly chunkSize: number;
}

/** The shared store of one run, and how to look into it without frago. */
interface Store {
  readonly env: Record<string, string>;
  /** The bytes of an assembled file. */
  read(location: string): Promise<Uint8Array>;
  /** Everything the store holds besides assembled files (parts, staged pieces, manifests, `.part` files). */
  leftovers(): Promise<string[]>;
  /** Every assembled file. */
  files(): Promise<string[]>;
  drop(): Promise<void>;
}

async function s3Store(): Promise<Store> {
  const bucket: TestBucket = await createTestBucket();
  return {
    env: s3ServerEnv(bucket),
    async read(location) {
      const response = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: location }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
    },
    leftovers: () => bucketLeftovers(bucket),
    files: async () => (await bucket.keys()).filter((key) => !key.startsWith('incoming/')),
    drop: () => bucket.drop(),
  };
}

async function diskStore(): Promise<Store> {
  const folder = await mkdtemp(join(tmpdir(), 'frago-shared-'));
  const list = (sub: string) => readdir(join(folder, sub)).catch(() => [] as string[]);
  return {
    env: { FRAGO_STORAGE: 'disk', FRAGO_DATA_DIR: folder },
    read: async (location) => new Uint8Array(await readFile(location)),
    leftovers: () => list('incoming'),
    files: async () => (await list('assembled')).map((name) => join(folder, 'assembled', name)),
    drop: () => rm(folder, { recursive: true, force: true }),
  };
}

const stores = { 'one S3 bucket': s3Store, 'one shared folder': diskStore };

for (const [storeName, openStore] of Object.entries(stores)) {
  describe(`three frago processes on one PostgreSQL database and ${storeName}`, () => {
    let cluster: ScaleOutCluster;
    let store: Store;
    let sql: pg.Client;
    const servers: ServerProcess[] = [];

    beforeAll(async () => {
      store = await openStore();
      // A killed process's claims lapse after 1.5 s, so the client's resend soon gets through.
      cluster = await startScaleOut({ ...store.env, FRAGO_CLAIM_LEASE_MS: '1500' });
      sql = cluster.sql;
      servers.push(...cluster.servers);
    }, 120_000);

    afterAll(async () => {
      await cluster?.stop();
      await store?.drop();
    });

    it('assembles every file once, byte for byte, though one process is killed mid-upload and two finalize at once', async () => {
      const alive = new Set([0, 1, 2]);
      const live = () => [...alive].map((index) => servers[index]?.origin ?? '');
      const files = [randomBytes(23 * MiB + 7), randomBytes(11 * MiB), randomBytes(700_000)];
      const uploads: Upload[] = await Promise.all(
        files.map(async (bytes, index) => {
          const started = await call(servers[index]?.origin ?? '', 'POST', '/', { filename: `file-${index}.bin`, total_size: bytes.byteLength });
          expect(started.status, JSON.stringify(started.body)).toBe(201);
          return { id: String(started.body.upload_id), bytes, chunkSize: Number(started.body.chunk_size) };
        }),
      );

      // Every chunk of every upload, interleaved, each sent to the next server in turn, six at a time.
      const jobs = uploads.flatMap((upload) => chunksOf(upload.bytes.byteLength, upload.chunkSize).map((range, order) => ({ upload, range, order })));
      jobs.sort((a, b) => a.order - b.order);
      const killAt = Math.floor(jobs.length / 3);
      const answers: number[] = [];
      await inParallel(jobs, 6, async ({ upload, range }, index) => {
        if (index === killAt) {
          servers[1]?.child.kill('SIGKILL');
          alive.delete(1);
        }
        answers.push((await put(servers[index % 3]?.origin ?? '', upload.id, upload.bytes, range)).status);
      });
      expect(answers.filter((status) => status === 0).length).toBeGreaterThan(0);

      let resent = 0;
      for (const upload of uploads) resent += await resume(live, upload.id, upload.bytes, upload.chunkSize);
      expect(resent).toBeGreaterThan(0);

      const [first, second] = live();
      const finals = await Promise.all(
        uploads.map((upload) =>
          Promise.all([first, second].map((origin) => call(origin ?? '', 'POST', `/${upload.id}/`, { checksum: md5(upload.bytes) }))),
        ),
      );
      for (const pair of finals) {
        expect(pair.filter((reply) => reply.status === 201 && reply.body.already_complete === false)).toHaveLength(1);
        for (const reply of pair) {
          expect(reply.status === 201 || (reply.status === 200 && reply.body.already_complete === true) || (reply.status === 409 && reply.body.error === 'UPLOAD_BUSY'), JSON.stringify(reply)).toBe(true);
        }
      }

      const { rows: records } = await sql.query<{ id: string; status: string; location: string; checksum: string }>(
        'select id, status, location, checksum from frago_upload order by id',
      );
      expect(records.map(({ id, status }) => ({ id, status }))).toEqual(
        uploads.map(({ id }) => ({ id, status: 'complete' })).sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      for (const upload of uploads) {
        const record = records.find((row) => row.id === upload.id);
        expect(record?.checksum).toBe(md5(upload.bytes));
        expect(Buffer.from(await store.read(record?.location ?? '')).equals(upload.bytes)).toBe(true);
        // Every byte recorded exactly once, by stored chunks only: nothing lost, nothing doubled, no claim left.
        const { rows: chunks } = await sql.query<{ start_byte: string; end_byte: string; state: string }>(
          'select start_byte, end_byte, state from frago_chunk where upload_id = $1 order by start_byte',
          [upload.id],
        );
        expect(new Set(chunks.map((chunk) => chunk.state))).toEqual(new Set(['stored']));
        let next = 0;
        for (const chunk of chunks) {
          expect(Number(chunk.start_byte)).toBe(next);
          next = Number(chunk.end_byte) + 1;
        }
        expect(next).toBe(upload.bytes.byteLength);
      }
      expect((await store.files()).sort()).toEqual(records.map((row) => row.location).sort());
      expect(await store.leftovers()).toEqual([]);
    });
  });
}

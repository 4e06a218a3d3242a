import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, type Frago, type Storage, type UploadRepository } from '@frago/core';
import { createTestBucket, TEST_USER_HEADER, type TestBucket } from '@frago/conformance';
import { S3Storage } from '@frago/storage-s3';
import { serveWithExpress } from './support/express-target.js';
import { gatedStorage, type GatePhase } from './support/gated-storage.js';
import { bucketLeftovers, s3ServerEnv } from './support/scale-out.js';
import { ROOT, startServerProcess } from './support/server-process.js';
import { openStack, type Stack } from './support/stack.js';

const GATED_SERVER = join(ROOT, 'test/support/gated-server.ts');
const HOUR = 60 * 60 * 1000;

const MiB = 1024 * 1024;
const PHASES: readonly GatePhase[] = ['before', 'during', 'after'];
const USER = 'alice';

/** Where the bytes go, how to make one more storage on them, how another process reaches them, and what is left behind. */
interface Bytes {
  /** The upload's size and the first chunk's end: on S3 the held chunk is one whole multipart part. */
  readonly totalSize: number;
  readonly heldEnd: number;
  storage(): Storage;
  readonly env: Record<string, string>;
  leftovers(): Promise<string[]>;
}

function diskBytes(stack: Stack): Bytes {
  const list = async (folder: string): Promise<string[]> =>
    (await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  return {
    totalSize: 300_000,
    heldEnd: 199_999,
    storage: () => stack.storage,
    env: { FRAGO_STORAGE: 'disk', FRAGO_DATA_DIR: stack.dataDir },
    leftovers: () => list(stack.dataDir),
  };
}

function s3Bytes(bucket: TestBucket): Bytes {
  return {
    totalSize: 5 * MiB + 1000,
    heldEnd: 5 * MiB - 1,
    storage: () => new S3Storage({ ...bucket.options, partSize: 5 * MiB }),
    env: s3ServerEnv(bucket),
    leftovers: () => bucketLeftovers(bucket),
  };
}

interface Server {
  readonly origin: string;
  readonly frago: Frago;
  close(): Promise<void>;
}

async function serve(repository: UploadRepository, storage: Storage, now: () => Date): Promise<Server> {
  const frago = createFrago({ repository, storage, now, expirationMs: HOUR });
  const server = await serveWithExpress(frago);
  return { origin: server.origin, frago, close: server.close };
}

async function call(origin: string, method: string, path: string, init: { body?: Uint8Array | string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${origin}/upload${path}`, { method, headers: { [TEST_USER_HEADER]: USER, ...init.headers }, body: init.body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function putChunk(origin: string, id: string, bytes: Uint8Array, start: number, end: number) {
  return call(origin, 'PUT', `/${id}/`, {
    body: bytes.subarray(start, end + 1),
    headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${bytes.length}` },
  });
}

/** The server a chunk is held in, and the one that aborts it. */
interface Pair {
  readonly chunkOrigin: string;
  readonly abortServer: Server;
  reached(): Promise<void>;
  release(): void;
}

for (const kind of ['disk', 'S3'] as const) {
  for (const topology of ['one server', 'two processes sharing PostgreSQL'] as const) {
    describe(`an abort racing a chunk, Express on ${kind}, ${topology}`, () => {
      let stack: Stack;
      let bucket: TestBucket | undefined;
      let bytesOf: Bytes;
      // The other process keeps real time, so this one runs ahead of it only when a test says so.
      let ahead = 0;
      const now = () => new Date(Date.now() + ahead);
      const closers: Array<() => Promise<unknown>> = [];

      beforeAll(async () => {
        stack = await openStack('postgresql');
        closers.push(() => stack.close());
        if (kind === 'S3') {
          const made = await createTestBucket();
          bucket = made;
          closers.unshift(() => made.drop());
        }
        bytesOf = bucket === undefined ? diskBytes(stack) : s3Bytes(bucket);
      });
      afterAll(async () => {
        for (const close of closers) await close();
      });

      /** One server holding the chunk at offset 0 at `phase` and aborting it too, or a process holding it and this one aborting. */
      async function pair(phase: GatePhase): Promise<Pair> {
        ahead = 0;
        if (topology === 'one server') {
          const gate = gatedStorage(bytesOf.storage(), phase, 0);
          const server = await serve(stack.repository, gate.storage, now);
          closers.unshift(server.close);
          return { chunkOrigin: server.origin, abortServer: server, reached: gate.reached, release: gate.release };
        }
        const child = await startServerProcess(
          GATED_SERVER,
          { ...bytesOf.env, FRAGO_DATABASE_URL: stack.target, FRAGO_GATE: phase, FRAGO_EXPIRATION_MS: String(HOUR) },
          { nodeArgs: ['--import', 'tsx', '--conditions=@frago/source'] },
        );
        closers.unshift(() => child.stop());
        const abortServer = await serve(stack.repository, bytesOf.storage(), now);
        closers.unshift(abortServer.close);
        return {
          chunkOrigin: child.origin,
          abortServer,
          reached: async () => {
            while (!child.output().includes('gate reached')) await new Promise((resolve) => setTimeout(resolve, 20));
          },
          release: () => child.child.kill('SIGUSR2'),
        };
      }

      const rows = async (id: string) => ({
        uploads: await stack.sql('select status from frago_upload where id = ?', [id]),
        chunks: await stack.sql('select start_byte, state from frago_chunk where upload_id = ?', [id]),
      });

      for (const phase of PHASES) {
        it(`answers the chunk held ${phase} its write 410 UPLOAD_ABORTED, and leaves no bytes and no chunk rows`, async () => {
          const { chunkOrigin, abortServer, reached, release } = await pair(phase);
          const bytes = new Uint8Array(randomBytes(bytesOf.totalSize));
          const started = await call(chunkOrigin, 'POST', '/', {
            body: JSON.stringify({ filename: 'race.bin', total_size: bytes.length }),
            headers: { 'content-type': 'application/json' },
          });
          expect(started.status).toBe(201);
          const id = started.body.upload_id as string;
          expect((await putChunk(chunkOrigin, id, bytes, bytesOf.heldEnd + 1, bytes.length - 1)).status).toBe(200);

          const held = putChunk(chunkOrigin, id, bytes, 0, bytesOf.heldEnd);
          await reached();
          const abort = await call(abortServer.origin, 'DELETE', `/${id}/`);
          expect(abort.status).toBe(200);
          release();
          const chunk = await held;

          expect(chunk.status, JSON.stringify(chunk.body)).toBe(410);
          expect(chunk.body).toMatchObject({ status: false, error: 'UPLOAD_ABORTED' });
          for (const origin of [chunkOrigin, abortServer.origin]) {
            const later = await call(origin, 'GET', `/${id}/`);
            expect(later.status).toBe(410);
            expect(later.body.error).toBe('UPLOAD_ABORTED');
          }
          expect(await rows(id)).toEqual({ uploads: [{ status: 'aborted' }], chunks: [] });
          expect(await bytesOf.leftovers()).toEqual([]);

          ahead += 2 * HOUR;
          await abortServer.frago.sweepExpired();
          expect(await rows(id)).toEqual({ uploads: [], chunks: [] });
          expect(await bytesOf.leftovers()).toEqual([]);
        });
      }

      it('answers a chunk whose upload expired while it was held 410 UPLOAD_EXPIRED, and leaves no bytes', async () => {
        const { chunkOrigin, abortServer, reached, release } = await pair('after');
        const bytes = new Uint8Array(randomBytes(bytesOf.totalSize));
        const started = await call(chunkOrigin, 'POST', '/', {
          body: JSON.stringify({ filename: 'late.bin', total_size: bytes.length }),
          headers: { 'content-type': 'application/json' },
        });
        const id = started.body.upload_id as string;
        const held = putChunk(chunkOrigin, id, bytes, 0, bytesOf.heldEnd);
        await reached();
        ahead += 2 * HOUR;
        expect((await call(abortServer.origin, 'GET', `/${id}/`)).body.error).toBe('UPLOAD_EXPIRED');
        release();
        const chunk = await held;

        expect(chunk.status, JSON.stringify(chunk.body)).toBe(410);
        expect(chunk.body).toMatchObject({ status: false, error: 'UPLOAD_EXPIRED' });
        expect(await bytesOf.leftovers()).toEqual([]);
        await abortServer.frago.sweepExpired();
        expect(await rows(id)).toEqual({ uploads: [], chunks: [] });
      });
    });
  }
}

import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, type Frago, type Storage, type UploadRepository } from '@frago/core';
import { createTestBucket, TEST_USER_HEADER, type TestBucket } from '@frago/conformance';
import { S3Storage } from '@frago/storage-s3';
import { serveWithExpress } from './support/express-target.js';
import { gatedStorage, type GatePhase } from './support/gated-storage.js';
import { bucketLeftovers } from './support/scale-out.js';
import { openStack, type Stack } from './support/stack.js';

const MiB = 1024 * 1024;
const PHASES: readonly GatePhase[] = ['before', 'during', 'after'];
const USER = 'alice';

/** Where the bytes go, how to make one more storage on them (a second server's), and what is left behind. */
interface Bytes {
  /** The upload's size and the first chunk's end: on S3 the held chunk is one whole multipart part. */
  readonly totalSize: number;
  readonly heldEnd: number;
  storage(): Storage;
  leftovers(): Promise<string[]>;
}

function diskBytes(stack: Stack): Bytes {
  const list = async (folder: string): Promise<string[]> =>
    (await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  return { totalSize: 300_000, heldEnd: 199_999, storage: () => stack.storage, leftovers: () => list(stack.dataDir) };
}

function s3Bytes(bucket: TestBucket): Bytes {
  return {
    totalSize: 5 * MiB + 1000,
    heldEnd: 5 * MiB - 1,
    storage: () => new S3Storage({ ...bucket.options, partSize: 5 * MiB }),
    leftovers: () => bucketLeftovers(bucket),
  };
}

interface Server {
  readonly origin: string;
  readonly frago: Frago;
  close(): Promise<void>;
}

async function serve(repository: UploadRepository, storage: Storage, now: () => Date): Promise<Server> {
  const frago = createFrago({ repository, storage, now, expirationMs: 60 * 60 * 1000 });
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

for (const kind of ['disk', 'S3'] as const) {
  for (const servers of ['one server', 'two servers sharing PostgreSQL'] as const) {
    describe(`an abort racing a chunk, Express on ${kind}, ${servers}`, () => {
      let stack: Stack;
      let bucket: TestBucket | undefined;
      let bytesOf: Bytes;
      let clock = Date.parse('2030-01-01T00:00:00Z');
      const now = () => new Date(clock);
      const closers: Array<() => Promise<void>> = [];

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

      /** A server whose storage holds the chunk at offset 0 at `phase`, and the server that aborts (another one with its own pool and storage, or the same). */
      async function servers_(phase: GatePhase) {
        const gate = gatedStorage(bytesOf.storage(), phase, 0);
        const chunkServer = await serve(stack.repository, gate.storage, now);
        closers.unshift(chunkServer.close);
        if (servers === 'one server') return { gate, chunkServer, abortServer: chunkServer };
        const other = await stack.connectAgain();
        const abortServer = await serve(other.repository, bytesOf.storage(), now);
        closers.unshift(abortServer.close);
        return { gate, chunkServer, abortServer };
      }

      const rows = async (id: string) => ({
        uploads: await stack.sql('select status from frago_upload where id = ?', [id]),
        chunks: await stack.sql('select start_byte, state from frago_chunk where upload_id = ?', [id]),
      });

      for (const phase of PHASES) {
        it(`answers the chunk held ${phase} its write 410 UPLOAD_ABORTED, and leaves no bytes and no chunk rows`, async () => {
          const { gate, chunkServer, abortServer } = await servers_(phase);
          const bytes = new Uint8Array(randomBytes(bytesOf.totalSize));
          const started = await call(chunkServer.origin, 'POST', '/', {
            body: JSON.stringify({ filename: 'race.bin', total_size: bytes.length }),
            headers: { 'content-type': 'application/json' },
          });
          expect(started.status).toBe(201);
          const id = started.body.upload_id as string;
          expect((await putChunk(chunkServer.origin, id, bytes, bytesOf.heldEnd + 1, bytes.length - 1)).status).toBe(200);

          const held = putChunk(chunkServer.origin, id, bytes, 0, bytesOf.heldEnd);
          await gate.reached();
          const abort = await call(abortServer.origin, 'DELETE', `/${id}/`);
          expect(abort.status).toBe(200);
          gate.release();
          const chunk = await held;

          expect(chunk.status, JSON.stringify(chunk.body)).toBe(410);
          expect(chunk.body).toMatchObject({ status: false, error: 'UPLOAD_ABORTED' });
          for (const origin of [chunkServer.origin, abortServer.origin]) {
            const later = await call(origin, 'GET', `/${id}/`);
            expect(later.status).toBe(410);
            expect(later.body.error).toBe('UPLOAD_ABORTED');
          }
          expect(await rows(id)).toEqual({ uploads: [{ status: 'aborted' }], chunks: [] });
          expect(await bytesOf.leftovers()).toEqual([]);

          clock += 2 * 60 * 60 * 1000;
          await abortServer.frago.sweepExpired();
          expect(await rows(id)).toEqual({ uploads: [], chunks: [] });
          expect(await bytesOf.leftovers()).toEqual([]);
        });
      }

      it('answers a chunk whose upload expired while it was held 410 UPLOAD_EXPIRED, and leaves no bytes', async () => {
        const { gate, chunkServer, abortServer } = await servers_('after');
        const bytes = new Uint8Array(randomBytes(bytesOf.totalSize));
        const started = await call(chunkServer.origin, 'POST', '/', {
          body: JSON.stringify({ filename: 'late.bin', total_size: bytes.length }),
          headers: { 'content-type': 'application/json' },
        });
        const id = started.body.upload_id as string;
        const held = putChunk(chunkServer.origin, id, bytes, 0, bytesOf.heldEnd);
        await gate.reached();
        clock += 2 * 60 * 60 * 1000;
        expect((await call(abortServer.origin, 'GET', `/${id}/`)).body.error).toBe('UPLOAD_EXPIRED');
        gate.release();
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

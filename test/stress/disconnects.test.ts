import { randomBytes } from 'node:crypto';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, createFrago } from '@frago/core';
import { cutChunk, listen } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { defaultServerTarget } from '../support/crash-target.js';
import { scaleOutS3Target } from '../support/scale-out-target.js';
import { openStack } from '../support/stack.js';
import { md5, request, type Api } from '../support/upload-client.js';

const DROPS = 1000;
const KiB = 1024;
const SIZE = 2048 * KiB;
const CHUNK = 256 * KiB;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fds = async (pid: number | 'self') => (await readdir(`/proc/${pid}/fd`)).length;

/** Everything a server needs to be checked for leaks after dropped chunks. */
interface DropTarget {
  readonly api: Api;
  /** Open file descriptors of the server process. */
  fds(): Promise<number>;
  /** Open database connections, when the database has any. */
  connections(): Promise<number | null>;
  /** Rows in the chunk table (all uploads), straight from the database. */
  chunkRows(): Promise<number | null>;
  /** What the storage holds besides completed files. */
  leftovers(): Promise<string[]>;
}

/**
 * Sends `count` chunks of `id` that the client drops: after the headers, mid-body,
 * or one byte short, ten at a time, over ranges that repeat.
 */
async function dropChunks(api: Api, id: string, bytes: Uint8Array, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let n = next++; n < count; n = next++) {
        const start = (n % (SIZE / CHUNK)) * CHUNK;
        const end = start + CHUNK - 1;
        const sent = [0, 1, Math.floor(CHUNK / 2), CHUNK - 1][n % 4] as number;
        await cutChunk(`${api.origin()}/upload/${id}/`, { start, end, total: SIZE }, bytes.subarray(start, end + 1), sent);
      }
    }),
  );
}

async function settled(api: Api, id: string): Promise<Record<string, any>> {
  let view = (await request(api, 'GET', `/${id}/`)).body;
  for (let i = 0; i < 100 && view.in_flight.length > 0; i += 1) {
    await sleep(50);
    view = (await request(api, 'GET', `/${id}/`)).body;
  }
  return view;
}

async function sendAll(api: Api, id: string, bytes: Uint8Array): Promise<number> {
  let retries = 0;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length) - 1;
    for (;;) {
      const answer = await request(api, 'PUT', `/${id}/`, bytes.subarray(start, end + 1), {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${start}-${end}/${bytes.length}`,
      });
      if (answer.status === 200) break;
      // Only a server that has not yet seen the drop may still hold the range.
      expect(answer.body.error, answer.text).toBe('RANGE_IN_FLIGHT');
      retries += 1;
      await sleep(10);
    }
  }
  return retries;
}

function describeDrops(name: string, open: () => Promise<DropTarget & { close(): Promise<void> }>): void {
  describe(`dropped chunks: ${name}`, () => {
    let target: (DropTarget & { close(): Promise<void> }) | undefined;
    afterAll(async () => {
      await target?.close();
    });

    it(`leaves nothing recorded, locked or leaked after ${DROPS} chunks dropped mid-way`, async () => {
      target = await open();
      const { api } = target;
      const bytes = new Uint8Array(randomBytes(SIZE));
      const created = await request(api, 'POST', '/', JSON.stringify({ filename: 'drops.bin', total_size: SIZE }));
      const id = created.body.upload_id as string;
      await dropChunks(api, id, bytes, 100);
      await settled(api, id);
      await sleep(200);
      const before = { fds: await target.fds(), connections: await target.connections() };

      await dropChunks(api, id, bytes, DROPS);
      const view = await settled(api, id);
      await sleep(200);
      const after = { fds: await target.fds(), connections: await target.connections() };
      expect(view).toMatchObject({ received: [], in_flight: [], chunks: [], received_bytes: 0 });
      expect(await target.chunkRows()).toBeOneOf([0, null]);

      // Every range is free at once (claims live ten minutes here), and the file completes intact.
      const retries = await sendAll(api, id, bytes);
      const done = await request(api, 'POST', `/${id}/`, JSON.stringify({ checksum: md5(bytes) }));
      expect(done.status, done.text).toBe(201);

      // A range dropped a moment ago can be sent again at once.
      const again = new Uint8Array(randomBytes(SIZE));
      const second = (await request(api, 'POST', '/', JSON.stringify({ filename: 'again.bin', total_size: SIZE }))).body.upload_id as string;
      let immediateRetries = 0;
      for (let start = 0; start < SIZE; start += CHUNK) {
        await cutChunk(`${api.origin()}/upload/${second}/`, { start, end: start + CHUNK - 1, total: SIZE }, again.subarray(start, start + CHUNK), CHUNK / 2);
      }
      immediateRetries = await sendAll(api, second, again);
      expect((await request(api, 'POST', `/${second}/`, JSON.stringify({ checksum: md5(again) }))).status).toBe(201);
      const leftovers = await target.leftovers();

      console.log(
        `[disconnects] ${name}: ${DROPS} dropped chunks; file descriptors ${before.fds} -> ${after.fds}; ` +
          `database connections ${before.connections ?? 'n/a'} -> ${after.connections ?? 'n/a'}; ` +
          `nothing recorded or in flight; ${retries + immediateRetries} resends met a range not yet released; ` +
          `${leftovers.length} leftovers in the storage once both files completed`,
      );
      expect(leftovers).toEqual([]);
      expect(after.fds - before.fds).toBeLessThanOrEqual(5);
      if (before.connections !== null && after.connections !== null) expect(after.connections).toBeLessThanOrEqual(before.connections + 1);
    });
  });
}

describeDrops('the default server process (SQLite + disk)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'frago-drops-'));
  const server = await defaultServerTarget(dataDir, { FRAGO_CLAIM_LEASE_MS: '600000' });
  await server.start();
  const pid = server.pids()[0] as number;
  return {
    api: { origin: server.origin },
    fds: () => fds(pid),
    connections: async () => null,
    chunkRows: async () => null,
    leftovers: server.leftovers,
    close: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describeDrops('Express in this process on PostgreSQL + disk', async () => {
  const stack = await openStack('postgresql');
  const frago = createFrago({ repository: stack.repository, storage: stack.storage, claimLeaseMs: 600_000 });
  const app = express();
  app.use(fragoExpress(frago, { identify: () => ANONYMOUS }));
  const server = await listen(createServer(app));
  // The stack lists the PostgreSQL database's name last among its secrets.
  const [database] = stack.secrets.slice(-1);
  const count = async (sql: string, params: unknown[] = []) => Number((await stack.sql(sql, params))[0]?.n);
  return {
    api: { origin: () => server.origin },
    fds: () => fds('self'),
    connections: () => count('select count(*) as n from pg_stat_activity where datname = ?', [database]),
    chunkRows: () => count('select count(*) as n from frago_chunk'),
    leftovers: () => readdir(stack.storage.options.incomingDir),
    close: async () => {
      await server.close();
      await stack.close();
    },
  };
});

describeDrops('three scale-out processes (PostgreSQL + S3)', async () => {
  const cluster = await scaleOutS3Target(3, { FRAGO_CLAIM_LEASE_MS: '600000' });
  await cluster.start();
  const count = async (sql: string, params: unknown[] = []) => Number((await cluster.sql(sql, params))[0]?.n);
  return {
    api: { origin: cluster.origin },
    fds: async () => (await Promise.all(cluster.pids().map((pid) => fds(pid)))).reduce((sum, n) => sum + n, 0),
    connections: () => count('select count(*) as n from pg_stat_activity where datname = $1', [cluster.database.name]),
    chunkRows: () => count('select count(*) as n from frago_chunk'),
    leftovers: cluster.leftovers,
    close: () => cluster.stop(),
  };
});

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFrago, type Frago, type Identity } from '@frago/core';
import { openStack, type Stack } from './support/stack.js';

const INSTANCES = 4;
const EXPIRATION = 60_000;
const alice: Identity = { kind: 'user', id: 'alice' };

async function* bytesOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/**
 * Several frago instances, each with its own connection pool, on one database and one
 * folder (as several processes would be), race to sweep the same expired uploads.
 * The database servers only: several SQLite connections in one process deadlock, because a busy
 * better-sqlite3 connection waits synchronously, blocking the event loop that would
 * finish the other connection's transaction (separate processes do not have this).
 */
for (const database of ['postgresql', 'mysql', 'mariadb'] as const) {
  describe(`the sweeper, raced by ${INSTANCES} instances on one ${database} database and disk`, () => {
    let stack: Stack;
    afterAll(async () => {
      await stack?.close();
    });

    it('deletes the bytes and rows of every expired upload exactly once, never a completed file, and no live upload', async () => {
      stack = await openStack(database);
      let clock = Date.parse('2030-01-01T00:00:00Z');
      const now = () => new Date(clock);
      const fragos: Frago[] = [createFrago({ repository: stack.repository, storage: stack.storage, expirationMs: EXPIRATION, now })];
      for (let i = 1; i < INSTANCES; i += 1) {
        const { repository, storage } = await stack.connectAgain();
        fragos.push(createFrago({ repository, storage, expirationMs: EXPIRATION, now }));
      }
      const [first] = fragos as [Frago];
      const service = first.service;
      const expiredEvents: string[] = [];
      for (const frago of fragos) frago.events.on('upload:expired', ({ upload }) => expiredEvents.push(upload.id));

      const start = async (size: number) => (await service.create(alice, { filename: 'f.bin', totalSize: size })).id;
      const write = (id: string, bytes: Uint8Array, offset: number, length: number) =>
        service.writeChunk(alice, id, { range: { start: offset, end: offset + length - 1, total: bytes.length }, body: bytesOf(bytes.subarray(offset, offset + length)) });

      const data = new Uint8Array(randomBytes(4096));
      const expiring: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const id = await start(data.length);
        await write(id, data, 0, 1024);
        expiring.push(id);
      }
      const completed: Array<{ id: string; location: string }> = [];
      for (let i = 0; i < 8; i += 1) {
        const id = await start(data.length);
        await write(id, data, 0, data.length);
        const { upload } = await service.finalize(alice, id, {});
        completed.push({ id, location: upload.location as string });
      }
      clock += EXPIRATION - 5_000;
      const live: string[] = [];
      for (let i = 0; i < 8; i += 1) {
        const id = await start(data.length);
        await write(id, data, 0, 1024);
        live.push(id);
      }
      clock += 10_000;
      // Some expired uploads were already noticed (status `expired`, bytes gone, rows kept).
      for (const id of expiring.slice(0, 5)) await expect(service.status(alice, id)).rejects.toMatchObject({ code: 'UPLOAD_EXPIRED' });
      expect(expiredEvents).toHaveLength(5);

      const [a, b] = live as [string, string];
      const results = await Promise.allSettled([
        ...fragos.map((frago) => frago.sweepExpired()),
        ...fragos.map((frago) => frago.sweepExpired()),
        write(a, data, 1024, 1024),
        (async () => {
          await write(b, data, 1024, data.length - 1024);
          return service.finalize(alice, b, {});
        })(),
      ]);
      const failures = results.filter((result) => result.status === 'rejected');
      expect(failures).toEqual([]);
      const removed = results.slice(0, 2 * INSTANCES).map((result) => (result.status === 'fulfilled' && typeof result.value === 'number' ? result.value : 0));

      // Expired: rows and bytes gone, one `upload:expired` each.
      expect([...expiredEvents].sort()).toEqual([...expiring].sort());
      const placeholders = (ids: string[]) => ids.map(() => '?').join(', ');
      expect(await stack.sql(`select id from frago_upload where id in (${placeholders(expiring)})`, expiring)).toEqual([]);
      expect(await stack.sql(`select upload_id from frago_chunk where upload_id in (${placeholders(expiring)})`, expiring)).toEqual([]);
      for (const id of expiring) expect(existsSync(join(stack.storage.options.incomingDir, `${id}.part`))).toBe(false);
      // Completed: untouched, byte for byte.
      for (const { id, location } of completed) {
        expect(Buffer.from(await stack.readAssembled(location)).equals(Buffer.from(data))).toBe(true);
        expect((await service.status(alice, id)).upload.status).toBe('complete');
      }
      // Live: still there, with their bytes, and the race's own writes landed.
      for (const id of live) {
        const state = await service.status(alice, id);
        expect(state.upload.status).toBe(id === b ? 'complete' : 'in_progress');
        if (id !== b) expect(existsSync(join(stack.storage.options.incomingDir, `${id}.part`))).toBe(true);
      }
      expect((await service.status(alice, a)).received.ranges).toEqual([{ start: 0, end: 2047 }]);
      console.log(`[sweeper] ${database}: ${2 * INSTANCES} concurrent sweeps removed ${removed.join('+')} (${expiring.length} expired uploads; the same upload may be counted by two sweepers), ${completed.length} completed files and ${live.length} live uploads untouched`);
      expect(removed.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(expiring.length);
    });
  });
}

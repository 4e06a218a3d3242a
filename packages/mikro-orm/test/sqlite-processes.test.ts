import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ClaimResult } from '@frago/core';
import { MikroOrmRepository, tuneSqlite } from '../src/index.js';
import { DRIVER_LABELS, openOrm, tempDirectory } from './_databases.js';

const WORKER = fileURLToPath(new URL('./_claim-worker.ts', import.meta.url));

/** A worker process that has opened the database and waits for the word to claim. */
interface Worker {
  go(): void;
  results(): Promise<ClaimResult[]>;
}

async function startWorker(driver: SqliteDriver, file: string, uploadIds: readonly string[]): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@frago/source', WORKER, driver, file, ...uploadIds], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout.on('data', (piece: Buffer) => (output += piece.toString()));
  child.stderr.on('data', (piece: Buffer) => (errors += piece.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => output.startsWith('ready\n') && resolve());
    void exited.then(([code]) => reject(new Error(`worker exited with ${code} before it was ready:\n${errors}`)));
  });
  return {
    go: () => child.stdin.end('go\n'),
    async results() {
      const [code] = await exited;
      if (code !== 0) throw new Error(`worker exited with ${code}:\n${errors}`);
      return JSON.parse(output.slice('ready\n'.length)) as ClaimResult[];
    },
  };
}

/** The drivers that open a SQLite file. */
type SqliteDriver = 'sqlite' | 'libsql';

describe.each(['sqlite', 'libsql'] as const)('MikroOrmRepository on %s, several processes on one file', (driver: SqliteDriver) => {
  it(`lets no two overlapping claims win, and records exactly the claims it reports (${DRIVER_LABELS[driver]})`, async () => {
    const directory = await tempDirectory();
    const file = join(directory.path, 'frago.sqlite');
    const orm = await openOrm[driver](file);
    try {
      await tuneSqlite(orm);
      await orm.migrator.up();
      const repository = new MikroOrmRepository(orm);
      const uploadIds = Array.from({ length: 4 }, () => randomUUID());
      for (const id of uploadIds) {
        await repository.create({
          id,
          owner: null,
          filename: 'shared.bin',
          totalSize: 2000,
          storageKey: `uploads/${id}`,
          checksumAlgorithm: 'sha256',
          expectedChecksum: null,
          metadata: {},
          createdAt: new Date(),
          expiresAt: new Date(Date.now() + 3_600_000),
          hash: { algorithm: 'sha256', offset: 0, state: null },
        });
      }

      // Each process claims ranges 0-149, 100-249, ... 900-1049 of every upload at once.
      const workers = await Promise.all([1, 2, 3].map(() => startWorker(driver, file, uploadIds)));
      for (const worker of workers) worker.go();
      const results = (await Promise.all(workers.map((worker) => worker.results()))).flat();

      expect(results).toHaveLength(3 * uploadIds.length * 10);
      const claimed = results.flatMap((result) => (result.kind === 'claimed' ? [result.claimId] : []));
      const rows = await orm.em
        .getConnection()
        .execute<Record<string, unknown>[]>('select upload_id, claim_id, start_byte, end_byte from frago_chunk order by upload_id, start_byte');
      expect(rows.map((row) => row.claim_id).sort()).toEqual(claimed.sort());
      for (let i = 1; i < rows.length; i++) {
        const [previous, next] = [rows[i - 1], rows[i]];
        if (previous?.upload_id === next?.upload_id) expect(Number(next?.start_byte)).toBeGreaterThan(Number(previous?.end_byte));
      }
      // A refused claim names a chunk that is really there.
      const refusedBy = results.flatMap((result) => ('chunk' in result ? [result.chunk.claimId] : []));
      expect(refusedBy.length + claimed.length).toBe(results.length);
      expect(claimed).toEqual(expect.arrayContaining(refusedBy));
    } finally {
      await orm.close(true);
      await directory.remove();
    }
  });
});

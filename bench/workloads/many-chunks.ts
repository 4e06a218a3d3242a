import { rm } from 'node:fs/promises';
import { BENCH_DRIVERS } from '../lib/databases.js';
import { md5File, randomFile } from '../lib/files.js';
import { DISK } from '../lib/places.js';
import { goal } from '../lib/goals.js';
import { MANY_CHUNK_SIZE, MANY_CHUNKS, SCOPE } from '../lib/settings.js';
import { verifyStored, withServer } from '../lib/target-run.js';
import { printTable } from '../lib/table.js';
import { BARE, frago, type Target } from '../lib/targets.js';

interface ManyChunksRun {
  /** Milliseconds per chunk over the second eighth of the chunks (the first warms up) and over the last. */
  readonly earlyMs: number;
  readonly lastMs: number;
  readonly totalMs: number;
}

const DEFAULT_SERVER = frago('express', 'sqlite');

async function manyChunks(target: Target, file: string, md5: string): Promise<ManyChunksRun> {
  return withServer(target, DISK, async (server, dataDir) => {
    const done: number[] = [];
    const timing = await target.upload(server.origin, { path: file }, MANY_CHUNKS * MANY_CHUNK_SIZE, {
      chunkSize: MANY_CHUNK_SIZE,
      parallel: 4,
      checksum: { algorithm: 'md5', digest: md5 },
      onChunk: () => done.push(performance.now()),
    });
    await verifyStored(target, dataDir, timing.id, md5);
    const eighth = Math.floor(MANY_CHUNKS / 8);
    return {
      earlyMs: (done[2 * eighth]! - done[eighth]!) / eighth,
      lastMs: (done[done.length - 1]! - done[done.length - 1 - eighth]!) / eighth,
      totalMs: timing.totalMs,
    };
  });
}

/** W5: one upload of many small chunks, on disk; a chunk late in the upload should cost what an early one does. */
export async function manyChunksWorkload(work: string): Promise<void> {
  const file = await randomFile(work, MANY_CHUNKS * MANY_CHUNK_SIZE);
  const md5 = await md5File(file);
  // The goal is the default server's; the full scope runs every driver.
  const targets = [BARE, ...(SCOPE === 'full' ? BENCH_DRIVERS.map((driver) => frago('express', driver)) : [DEFAULT_SERVER])];
  console.log(`\nW5: ${MANY_CHUNKS} chunks of 16 KiB in one upload, 4 in parallel, md5 verified; one run each`);
  const rows: string[][] = [];
  for (const target of targets) {
    const run = await manyChunks(target, file, md5);
    rows.push([target.name, run.earlyMs.toFixed(2), run.lastMs.toFixed(2), (run.lastMs / run.earlyMs).toFixed(2), (run.totalMs / 1000).toFixed(1)]);
    if (target === DEFAULT_SERVER) goal({ what: 'W5, default server, ms per chunk: last eighth / second eighth (flat)', measured: run.lastMs / run.earlyMs, bound: 1.2, kind: 'max' });
  }
  printTable(['target', 'ms/chunk, 2nd 1/8', 'ms/chunk, last 1/8', 'last / 2nd', 'upload s'], rows);
  await rm(file);
}

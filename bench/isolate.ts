// `pnpm bench:isolate`: where the default server's CPU and memory go. The default server
// (frago express + sqlite) runs beside variants that each remove one cost (a cheaper
// checksum, a checksum combined from the chunks instead of read back, no checksum,
// hashing on the request's thread, no fsync, another young generation: V8's default, 1 or 4
// MiB against the default server's 2); the runs of
// all variants are interleaved, so load from elsewhere on the machine falls on each
// alike. W1 and W2 as in `pnpm bench` (W3: W1's peak memory), in the places of
// BENCH_PLACES; BENCH_RUNS rounds.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomFile, sourceFile } from './lib/files.js';
import { benchPlaces, type Place } from './lib/places.js';
import { BIG, MiB, RUNS, SMALL_COUNT, SMALL_SIZE, WORKLOADS } from './lib/settings.js';
import { median, printTable } from './lib/table.js';
import { frago, type Target } from './lib/targets.js';
import { bigUpload } from './workloads/big-file.js';
import { smallUploads } from './workloads/small-files.js';

const DEFAULT = frago('express', 'sqlite');
const W1_VARIANTS = [
  DEFAULT,
  frago('express', 'sqlite', { checksum: 'xxhash64' }),
  frago('express', 'sqlite', { checksum: 'crc32c' }),
  frago('express', 'sqlite', { wholeFileChecksum: false }),
  frago('express', 'sqlite', { hashing: 'in-thread' }),
  frago('express', 'sqlite', { fsync: 'none' }),
];
const W3_VARIANTS = [
  DEFAULT,
  frago('express', 'sqlite', { wholeFileChecksum: false }),
  frago('express', 'sqlite', { hashing: 'in-thread' }),
  frago('express', 'sqlite', { semiSpaceMiB: null }),
  frago('express', 'sqlite', { semiSpaceMiB: 1 }),
  frago('express', 'sqlite', { semiSpaceMiB: 4 }),
];
const W2_VARIANTS = [
  DEFAULT,
  frago('express', 'sqlite', { wholeFileChecksum: false }),
  frago('express', 'sqlite', { fsync: 'none' }),
  frago('express', 'sqlite', { semiSpaceMiB: null }),
  frago('express', 'sqlite', { semiSpaceMiB: 1 }),
  frago('express', 'sqlite', { semiSpaceMiB: 4 }),
];
/** The one-request upload (the draft's `Upload-Complete: ?1`) on SQLite, and where a database server can run, on PostgreSQL. */
const oneRequestVariants = (place: Place): Target[] => [
  frago('express', 'sqlite', { oneRequest: true }),
  frago('express', 'sqlite', { oneRequest: true, wholeFileChecksum: false }),
  frago('express', 'sqlite', { oneRequest: true, fsync: 'none' }),
  ...(place.databaseServers
    ? [frago('express', 'postgresql', { oneRequest: true }), frago('express', 'postgresql', { oneRequest: true, fsync: 'none' })]
    : []),
];

/** Runs `measure` for every target, RUNS rounds, the targets' runs interleaved; the medians, in the targets' order. */
async function interleaved<T>(targets: readonly Target[], measure: (target: Target) => Promise<T>): Promise<Array<{ target: Target; runs: T[] }>> {
  const rows = targets.map((target) => ({ target, runs: [] as T[] }));
  for (let round = 0; round < RUNS; round += 1) for (const row of rows) row.runs.push(await measure(row.target));
  return rows;
}

function report(place: Place, unit: string, digits: number, rows: Array<{ target: Target; runs: number[] }>): void {
  const base = median(rows[0]?.runs ?? []);
  printTable(
    ['place', 'variant', unit, 'vs default', 'runs'],
    rows.map(({ target, runs }) => {
      const value = median(runs);
      const share = base === 0 ? 0 : ((value - base) / base) * 100;
      return [place.label, target.name, value.toFixed(digits), `${share >= 0 ? '+' : ''}${share.toFixed(0)}%`, runs.map((run) => run.toFixed(digits)).join(' ')];
    }),
  );
}

async function main(): Promise<void> {
  for (const place of await benchPlaces()) {
    const work = await mkdtemp(join(place.root, 'frago-isolate-'));
    try {
      if (WORKLOADS.has('w1')) {
        console.log(`W1 (${BIG / MiB} MiB, 8 MiB chunks, 4 in parallel), ${place.label}: server CPU per GiB, median of ${RUNS} interleaved runs`);
        const file = await sourceFile(await randomFile(work, BIG), BIG);
        report(place, 'CPU s/GiB', 2, await interleaved(W1_VARIANTS, async (target) => (await bigUpload(target, place, file)).cpuPerGiB));
      }
      if (WORKLOADS.has('w3')) {
        console.log(`W3 (W1's upload), ${place.label}: the server's peak RSS and CPU per GiB, median of ${RUNS} interleaved runs`);
        const file = await sourceFile(await randomFile(work, BIG), BIG);
        const runs = await interleaved(W3_VARIANTS, async (target) => bigUpload(target, place, file));
        report(place, 'peak RSS MB', 0, runs.map(({ target, runs }) => ({ target, runs: runs.map((run) => run.peakRss / MiB) })));
        report(place, 'CPU s/GiB', 2, runs.map(({ target, runs }) => ({ target, runs: runs.map((run) => run.cpuPerGiB) })));
      }
      if (WORKLOADS.has('w2')) {
        console.log(`W2 (${SMALL_COUNT} uploads of 64 KiB, 16 at a time), ${place.label}: server CPU per upload, median of ${RUNS} interleaved runs`);
        const source = await readFile(await randomFile(work, SMALL_COUNT * SMALL_SIZE));
        report(place, 'CPU ms/upload', 2, await interleaved(W2_VARIANTS, async (target) => (await smallUploads(target, place, source)).cpuMs));
        console.log(`W2 in one request each, ${place.label}: uploads per second and server CPU per upload, median of ${RUNS} interleaved runs`);
        const runs = await interleaved(oneRequestVariants(place), async (target) => smallUploads(target, place, source));
        report(place, 'uploads/s', 0, runs.map(({ target, runs: measured }) => ({ target, runs: measured.map((run) => run.perSecond) })));
        report(place, 'CPU ms/upload', 2, runs.map(({ target, runs: measured }) => ({ target, runs: measured.map((run) => run.cpuMs) })));
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  console.log(`(a variant's 'vs default' is its change of CPU against the default server's)`);
}

await main();

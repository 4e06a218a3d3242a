import { readFile } from 'node:fs/promises';
import { ratioCells, ratioOf, type Measured } from '../lib/anchors.js';
import { BENCH_DRIVERS } from '../lib/databases.js';
import { randomFile } from '../lib/files.js';
import { goal } from '../lib/goals.js';
import type { Place } from '../lib/places.js';
import { repeat, RUNS, SCOPE, SMALL_COUNT, SMALL_SIZE } from '../lib/settings.js';
import { withServer } from '../lib/target-run.js';
import { median, printTable } from '../lib/table.js';
import { BARE, chosen, frago, fragoTus, TUS, TUS_ONE_REQUEST, type Target } from '../lib/targets.js';

export interface SmallRun {
  readonly perSecond: number;
  /** Server CPU milliseconds per upload. */
  readonly cpuMs: number;
}

const CONCURRENCY = 16;

/** SMALL_COUNT uploads of 64 KiB slices of `source`, CONCURRENCY at a time, after a warm-up; each stored file checked afterwards. */
export async function smallUploads(target: Target, place: Place, source: Buffer): Promise<SmallRun> {
  return withServer(target, place, async (server, dataDir) => {
    const slice = (index: number) => source.subarray(index * SMALL_SIZE, (index + 1) * SMALL_SIZE);
    const runBatch = async (count: number) => {
      const ids: Array<{ id: string; index: number }> = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let index = next++; index < count; index = next++) {
            const { id } = await target.upload(server.origin, { data: slice(index) }, SMALL_SIZE, { chunkSize: SMALL_SIZE, parallel: 1 });
            ids.push({ id, index });
          }
        }),
      );
      return ids;
    };
    await runBatch(Math.min(200, SMALL_COUNT));
    const cpuBefore = await server.cpuSeconds();
    const began = performance.now();
    const ids = await runBatch(SMALL_COUNT);
    const perSecond = SMALL_COUNT / ((performance.now() - began) / 1000);
    const cpuMs = (((await server.cpuSeconds()) - cpuBefore) * 1000) / SMALL_COUNT;
    for (const { id, index } of ids) {
      if (!(await readFile(target.fileOf(dataDir, id))).equals(slice(index))) throw new Error(`${target.name}: small upload ${id} differs from its source`);
    }
    return { perSecond, cpuMs };
  });
}

const DEFAULT_SERVER = frago('express', 'sqlite');
const ONE_REQUEST = frago('express', 'sqlite', { oneRequest: true });
const ONE_REQUEST_PG = frago('express', 'postgresql', { oneRequest: true });
const TUS_ONE_REQUEST_FRAGO = fragoTus('one request');

/**
 * The targets W2 runs in a place. The goals: the anchors (@tus/server also in one
 * request), the default server in three requests and in one (on SQLite and, on disk,
 * PostgreSQL), and frago through tus in one request. The full scope adds every driver
 * and variant.
 */
function smallFileTargets(place: Place): Target[] {
  if (!place.databaseServers) return chosen([BARE, TUS, DEFAULT_SERVER, ONE_REQUEST]);
  const goals = [BARE, TUS, TUS_ONE_REQUEST, TUS_ONE_REQUEST_FRAGO, DEFAULT_SERVER, ONE_REQUEST, ONE_REQUEST_PG];
  if (SCOPE === 'goals') return chosen(goals);
  return chosen([
    ...goals,
    fragoTus('one request', { fsync: 'none' }),
    ...BENCH_DRIVERS.filter((driver) => driver !== 'sqlite').map((driver) => frago('express', driver)),
    frago('express', 'sqlite', { observed: true }),
    frago('express', 'sqlite', { fsync: 'none' }),
    frago('express', 'postgresql', { fsync: 'none' }),
  ]);
}

/** The protocols issue's and the speed issue's W2 targets, from this run's rows. */
function w2Goals(results: readonly Measured[], places: readonly Place[]): void {
  const disk = places.find((place) => place.databaseServers);
  const ratio = (target: Target, anchor: Target) => (disk === undefined ? Number.NaN : ratioOf(results, disk, target, anchor));
  goal({ what: 'W2 disk, three requests, x @tus/server', measured: ratio(DEFAULT_SERVER, TUS), bound: 1.0, kind: 'min' });
  goal({ what: 'W2 disk, one request, SQLite, x bare', measured: ratio(ONE_REQUEST, BARE), bound: 0.6, kind: 'min' });
  goal({ what: 'W2 disk, one request, PostgreSQL, x bare', measured: ratio(ONE_REQUEST_PG, BARE), bound: 0.45, kind: 'min' });
  goal({ what: 'W2 disk, one request, x @tus/server in one request', measured: ratio(ONE_REQUEST, TUS_ONE_REQUEST), bound: 1.5, kind: 'min' });
  goal({
    what: 'W2 disk, tus one request to frago, x @tus/server in one request',
    measured: ratio(TUS_ONE_REQUEST_FRAGO, TUS_ONE_REQUEST),
    bound: 1.5,
    kind: 'min',
  });
}

/**
 * W2: many small uploads, each start + one chunk + finalize (one request: the draft's
 * `Upload-Complete: ?1` creation; tus: creation POST + one PATCH), in each place.
 */
export async function smallFilesWorkload(places: readonly Place[], workIn: (place: Place) => Promise<string>): Promise<void> {
  console.log(
    `\nW2: ${SMALL_COUNT} uploads of 64 KiB, ${CONCURRENCY} at a time, after a warm-up; frago and bare: start, one chunk, finalize;` +
      ` frago (one request): POST with Upload-Complete: ?1; @tus/server: creation POST, one PATCH; median of ${RUNS} runs`,
  );
  const results: Array<Measured & { cpuMs: number }> = [];
  for (const place of places) {
    const source = await readFile(await randomFile(await workIn(place), SMALL_COUNT * SMALL_SIZE));
    for (const target of smallFileTargets(place)) {
      const runs = await repeat(() => smallUploads(target, place, source));
      results.push({ place, target, value: median(runs.map((run) => run.perSecond)), cpuMs: median(runs.map((run) => run.cpuMs)) });
    }
  }
  printTable(
    ['place', 'target', 'uploads/s', 'x bare', 'x tus', 'server CPU ms/upload'],
    results.map((row) => [row.place.label, row.target.name, row.value.toFixed(0), ...ratioCells(row, results), row.cpuMs.toFixed(2)]),
  );
  w2Goals(results, places);
}

import { ratioCells, ratioOf, type Measured } from '../lib/anchors.js';
import { randomFile, sourceFile, type SourceFile } from '../lib/files.js';
import { goal } from '../lib/goals.js';
import { md5SecondsPerGiB } from '../lib/hash-cost.js';
import type { Place } from '../lib/places.js';
import { BIG, GiB, MiB, repeat, RUNS, SCOPE } from '../lib/settings.js';
import { verifyStored, withServer } from '../lib/target-run.js';
import { median, printTable } from '../lib/table.js';
import { BARE, chosen, frago, fragoTus, TUS, TUS_JS, type Target } from '../lib/targets.js';

export interface BigRun {
  /** Resident memory of the server after start, before the upload. */
  readonly idleRss: number;
  readonly mbps: number;
  /** Null for @tus/server, which has no finalize call. */
  readonly finalizeMs: number | null;
  readonly cpuPerGiB: number;
  readonly peakRss: number;
  /** The server's V8 heap in use after a full collection, once the upload is complete; null for the anchors. */
  readonly heapAfterGc: number | null;
}

/** One big file through a fresh server of `target` in `place`: 8 MiB chunks, 4 in parallel, the target's checksum checked at finalize. */
export async function bigUpload(target: Target, place: Place, file: SourceFile): Promise<BigRun> {
  const { size } = file;
  const checksum = target.checksum === undefined ? undefined : { algorithm: target.checksum, digest: await file.digest(target.checksum) };
  return withServer(target, place, async (server, dataDir) => {
    const idleRss = (await server.memory()).current;
    const cpuBefore = await server.cpuSeconds();
    const timing = await target.upload(server.origin, { path: file.path }, size, { chunkSize: 8 * MiB, parallel: 4, checksum });
    const cpu = (await server.cpuSeconds()) - cpuBefore;
    const { peak } = await server.memory();
    const heapAfterGc = target.reportsHeap === true ? await server.heapAfterGc() : null;
    await verifyStored(target, dataDir, timing.id, file.md5);
    return { idleRss, mbps: size / MiB / (timing.totalMs / 1000), finalizeMs: timing.finalizeMs, cpuPerGiB: (cpu * GiB) / size, peakRss: peak, heapAfterGc };
  });
}

const DEFAULT_SERVER = frago('express', 'sqlite');
const CRC32C_SERVER = frago('express', 'sqlite', { checksum: 'crc32c' });
const TUS_PARALLEL = fragoTus('tus-js-client');

/**
 * The targets W1 runs in a place. The goals: on disk, the anchors, tus-js-client against
 * @tus/server and in parallel parts against frago, the default server with md5 and with
 * crc32c (combined from the chunks); in memory, the anchors and the default server with
 * md5 and crc32c. The full scope adds every adapter, driver and variant.
 */
function bigFileTargets(place: Place): Target[] {
  const checksums = [DEFAULT_SERVER, CRC32C_SERVER];
  if (!place.databaseServers) {
    return chosen([BARE, TUS, ...checksums, ...(SCOPE === 'full' ? [frago('express', 'sqlite', { checksum: 'xxhash64' })] : [])]);
  }
  const goals = [BARE, TUS, TUS_JS, TUS_PARALLEL, ...checksums];
  if (SCOPE === 'goals') return chosen(goals);
  return chosen([
    ...goals,
    fragoTus('tus-js-client', { defaultAlgorithm: 'crc32c' }),
    frago('express', 'sqlite', { observed: true }),
    frago('express', 'sqlite', { checksum: 'xxhash64' }),
    frago('express', 'sqlite', { hashing: 'in-thread' }),
    frago('express', 'sqlite', { fsync: 'none' }),
    frago('express', 'postgresql'),
    frago('fastify', 'sqlite'),
    frago('h3', 'sqlite'),
  ]);
}

/** The speed and memory issues' W1 targets, from this run's rows. */
function w1Goals(results: ReadonlyArray<Measured & { runs: BigRun[] }>, places: readonly Place[]): void {
  const disk = places.find((place) => place.databaseServers);
  const memory = places.find((place) => !place.databaseServers);
  const peak = (place: Place | undefined, target: Target) => {
    const row = results.find((candidate) => candidate.place === place && candidate.target.name === target.name);
    return row === undefined ? Number.NaN : medianOf(row.runs, (run) => run.peakRss);
  };
  const ratio = (place: Place | undefined, target: Target, anchor: Target) =>
    place === undefined ? Number.NaN : ratioOf(results, place, target, anchor);
  goal({ what: 'W1 disk, md5, x bare', measured: ratio(disk, DEFAULT_SERVER, BARE), bound: 0.7, kind: 'min' });
  goal({ what: 'W1 disk, crc32c, x bare', measured: ratio(disk, CRC32C_SERVER, BARE), bound: 0.85, kind: 'min' });
  goal({ what: 'W1 memory, md5, x bare', measured: ratio(memory, DEFAULT_SERVER, BARE), bound: 0.8, kind: 'min' });
  goal({ what: 'W1 memory, md5, x @tus/server', measured: ratio(memory, DEFAULT_SERVER, TUS), bound: 1.6, kind: 'min' });
  goal({ what: 'W1 memory, crc32c, x bare', measured: ratio(memory, CRC32C_SERVER, BARE), bound: 0.95, kind: 'min' });
  goal({ what: 'W1 peak RSS, disk, md5, x @tus/server', measured: peak(disk, DEFAULT_SERVER) / peak(disk, TUS), bound: 1.3, kind: 'max' });
  goal({
    what: 'W1 tus-js-client parallelUploads: 4 to frago, x sequential to @tus/server',
    measured: ratio(disk, TUS_PARALLEL, TUS_JS),
    bound: 1.5,
    kind: 'min',
  });
}

const medianOf = (runs: readonly BigRun[], pick: (run: BigRun) => number) => median(runs.map(pick));

/** W1 (throughput, peak RSS) and W4 (finalize latency): one big file through each target, in each place. */
export async function bigFileWorkload(places: readonly Place[], workIn: (place: Place) => Promise<string>): Promise<void> {
  console.log(
    `W1/W4: ${BIG / MiB} MiB, 8 MiB chunks, 4 in parallel (@tus/server: one after another);` +
      ` frago verifies a checksum at finalize (md5 unless the row says otherwise); median of ${RUNS} runs`,
  );
  const results: Array<Measured & { runs: BigRun[] }> = [];
  for (const place of places) {
    const file = await sourceFile(await randomFile(await workIn(place), BIG), BIG);
    for (const target of bigFileTargets(place)) {
      const runs = await repeat(() => bigUpload(target, place, file));
      results.push({ place, target, runs, value: medianOf(runs, (run) => run.mbps) });
    }
  }
  printTable(
    ['place', 'target', 'MB/s', 'x bare', 'x tus', 'finalize ms', 'CPU s/GiB', 'peak RSS MB'],
    results.map((row) => [
      row.place.label,
      row.target.name,
      row.value.toFixed(0),
      ...ratioCells(row, results),
      row.runs.some((run) => run.finalizeMs === null) ? 'n/a' : medianOf(row.runs, (run) => run.finalizeMs ?? 0).toFixed(0),
      medianOf(row.runs, (run) => run.cpuPerGiB).toFixed(2),
      (medianOf(row.runs, (run) => run.peakRss) / MiB).toFixed(0),
    ]),
  );
  console.log(`md5 alone (hash-wasm, one thread) costs ${(await md5SecondsPerGiB()).toFixed(2)} CPU s/GiB on this machine.`);
  w1Goals(results, places);
}

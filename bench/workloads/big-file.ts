import { ratioCells, type Measured } from '../lib/anchors.js';
import { randomFile, sourceFile, type SourceFile } from '../lib/files.js';
import { md5SecondsPerGiB } from '../lib/hash-cost.js';
import type { Place } from '../lib/places.js';
import { BIG, GiB, MiB, repeat, RUNS } from '../lib/settings.js';
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

/**
 * The targets W1 runs in a place: all of them on disk; in memory, the anchors and the
 * default server with md5, with xxhash64 and with crc32c (combined from the chunks).
 */
function bigFileTargets(place: Place): Target[] {
  if (!place.databaseServers) {
    return chosen([
      BARE,
      TUS,
      frago('express', 'sqlite'),
      frago('express', 'sqlite', { checksum: 'xxhash64' }),
      frago('express', 'sqlite', { checksum: 'crc32c' }),
    ]);
  }
  return chosen([
    BARE,
    TUS,
    TUS_JS,
    fragoTus('tus-js-client'),
    fragoTus('tus-js-client', { defaultAlgorithm: 'crc32c' }),
    frago('express', 'sqlite'),
    frago('express', 'sqlite', { observed: true }),
    frago('express', 'sqlite', { checksum: 'xxhash64' }),
    frago('express', 'sqlite', { checksum: 'crc32c' }),
    frago('express', 'sqlite', { hashing: 'in-thread' }),
    frago('express', 'sqlite', { fsync: 'none' }),
    frago('express', 'postgresql'),
    frago('fastify', 'sqlite'),
    frago('h3', 'sqlite'),
  ]);
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
}

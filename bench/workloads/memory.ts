import { rm } from 'node:fs/promises';
import { randomFile, sourceFile } from '../lib/files.js';
import { goal } from '../lib/goals.js';
import { DISK } from '../lib/places.js';
import { BIG, HUGE, MiB } from '../lib/settings.js';
import { printTable } from '../lib/table.js';
import { frago } from '../lib/targets.js';
import { bigUpload } from './big-file.js';

/** W3: peak server memory for a big and a four times bigger file, on disk. */
export async function memoryWorkload(work: string): Promise<void> {
  const target = frago('express', 'sqlite');
  const rows: string[][] = [];
  const peaks: number[] = [];
  for (const size of [BIG, HUGE]) {
    const file = await randomFile(work, size);
    const run = await bigUpload(target, DISK, await sourceFile(file, size));
    peaks.push(run.peakRss);
    const heap = run.heapAfterGc === null ? 'n/a' : (run.heapAfterGc / MiB).toFixed(1);
    rows.push([`${size / MiB} MiB`, (run.idleRss / MiB).toFixed(1), (run.peakRss / MiB).toFixed(1), heap, run.mbps.toFixed(0)]);
    await rm(file);
  }
  rows.push(['difference', '', (((peaks[1] ?? 0) - (peaks[0] ?? 0)) / MiB).toFixed(1), '', '']);
  goal({ what: `W3 peak RSS, ${HUGE / MiB} MiB over ${BIG / MiB} MiB (flat)`, measured: (peaks[1] ?? Number.NaN) / (peaks[0] ?? Number.NaN), bound: 1.1, kind: 'max' });
  console.log(`\nW3: peak RSS of ${target.name} (idle it holds the modules: Express, MikroORM, SQLite)`);
  printTable(['file', 'idle RSS MB', 'peak RSS MB', 'heap after GC MB', 'MB/s'], rows);
}

import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

/**
 * Where a workload keeps everything it writes: the source files the client reads, each
 * server's data folder, its SQLite file and its temporary files. A database server
 * (PostgreSQL, MySQL) keeps its own files wherever it runs, so only targets whose rows
 * live in the data folder run in memory.
 */
export interface Place {
  readonly label: string;
  readonly root: string;
  /** Whether targets that keep their rows in a database server belong here. */
  readonly databaseServers: boolean;
}

export const DISK: Place = { label: 'disk', root: tmpdir(), databaseServers: true };
/** tmpfs, so the machine's disk (shared, and noisy under other work) does not decide. */
export const MEMORY: Place = { label: 'memory (tmpfs)', root: process.env.BENCH_TMPFS ?? '/dev/shm', databaseServers: false };

/** The places BENCH_PLACES (disk,memory) asks for; memory only where its root is a tmpfs mount. */
export async function benchPlaces(): Promise<Place[]> {
  const asked = new Set((process.env.BENCH_PLACES ?? 'disk,memory').split(','));
  const places: Place[] = [];
  if (asked.has('disk')) places.push(DISK);
  if (asked.has('memory')) {
    const mounts = await readFile('/proc/mounts', 'utf8').catch(() => '');
    const isTmpfs = mounts.split('\n').some((line) => {
      const [, mountPoint, type] = line.split(' ');
      return mountPoint === MEMORY.root && type === 'tmpfs';
    });
    if (isTmpfs) places.push(MEMORY);
    else console.log(`${MEMORY.root} is not a tmpfs mount: the in-memory rows are skipped`);
  }
  return places;
}

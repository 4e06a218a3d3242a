import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { benchDatabase, keepsRowsInDataDir } from './databases.js';
import { md5File } from './files.js';
import type { Place } from './places.js';
import { startServer, type ServerProcess } from './process.js';
import type { Target } from './targets.js';

/**
 * A fresh server of `target` on a fresh data folder (and database) in `place` for one
 * run; its temporary files go to the data folder too.
 */
export async function withServer<T>(target: Target, place: Place, run: (server: ServerProcess, dataDir: string) => Promise<T>): Promise<T> {
  if (!place.databaseServers && target.driver !== undefined && !keepsRowsInDataDir(target.driver)) {
    throw new Error(`${target.name} keeps its rows in a database server, which is not in ${place.label}`);
  }
  const dataDir = await mkdtemp(join(place.root, 'frago-bench-'));
  const database = target.driver === undefined ? undefined : await benchDatabase(target.driver, dataDir);
  const server = await startServer(target.script, target.args(dataDir, database?.target ?? ''), { ...target.env, TMPDIR: dataDir });
  try {
    return await run(server, dataDir);
  } finally {
    await server.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Checks, outside the timing, that the target stored the upload byte for byte. */
export async function verifyStored(target: Target, dataDir: string, id: string, md5: string): Promise<void> {
  if ((await md5File(target.fileOf(dataDir, id))) !== md5) throw new Error(`${target.name}: stored file differs from the source`);
}

import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, startServerProcess, type ServerProcess } from './server-process.js';

/**
 * A deployment the crash tests kill and restart: the default server here, several
 * scale-out processes on PostgreSQL and S3 in scale-out-target.ts.
 */
export interface CrashTarget {
  readonly name: string;
  /** What no answer may reveal (data folders, database URLs). */
  readonly secrets: readonly string[];
  /** Starts the server(s); resolves once they answer. */
  start(): Promise<void>;
  /** Kills every server process with SIGKILL, without warning; resolves once they are gone. */
  kill(): Promise<void>;
  /**
   * The origin of the next request; the same across restarts. With several processes,
   * each call hands out the next one, as a round-robin load balancer would.
   */
  origin(): string;
  /** The bytes of a completed upload, read from where the storage put them. */
  readCompleted(id: string, filename: string): Promise<Uint8Array>;
  /** What the storage holds besides completed files (in-progress files, staged pieces, open multipart uploads). */
  leftovers(): Promise<string[]>;
  /** The PIDs of the running server processes. */
  pids(): number[];
  /** Waits until the server processes exit by themselves; their exit codes and output. */
  exited(): Promise<Array<{ readonly code: number | null; readonly output: string }>>;
  /** Stops everything (gracefully); leaves the data folder it was given, drops a database or bucket it made. */
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface, so a restarted server can listen where the last one did. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export const DEFAULT_SERVER = join(ROOT, 'examples/default-server/dist/server.js');

/**
 * The default server (Express + SQLite + disk) as one process on a fixed port, with
 * `env` added to its environment (short leases, for instance).
 */
export async function defaultServerTarget(dataDir: string, env: Record<string, string> = {}): Promise<CrashTarget> {
  const port = await freePort();
  let server: ServerProcess | undefined;
  const origin = `http://127.0.0.1:${port}`;
  return {
    name: 'default server (Express + SQLite + disk), one process',
    secrets: [dataDir],
    async start() {
      server = await startServerProcess(DEFAULT_SERVER, { PORT: String(port), HOST: '127.0.0.1', FRAGO_DATA_DIR: dataDir, ...env });
    },
    async kill() {
      await server?.stop('SIGKILL');
      server = undefined;
    },
    origin: () => origin,
    readCompleted: async (id, filename) => new Uint8Array(await readFile(join(dataDir, 'assembled', `${id}-${filename}`))),
    leftovers: () => readdir(join(dataDir, 'incoming')).catch(() => []),
    pids: () => (server?.child.pid === undefined ? [] : [server.child.pid]),
    async exited() {
      const running = server;
      if (running === undefined) return [];
      const code = await running.exited();
      server = undefined;
      return [{ code, output: running.output() }];
    },
    async stop() {
      await server?.stop('SIGTERM');
      server = undefined;
    },
  };
}

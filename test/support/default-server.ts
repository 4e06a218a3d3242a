import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServerProcess, type ServerProcess } from './server-process.js';

/** The built default server (Express + SQLite + disk). */
export const DEFAULT_SERVER = join(ROOT, 'examples/default-server/dist/server.js');

/** The default server running as its own process on a fresh data folder. */
export interface DefaultServer {
  readonly server: ServerProcess;
  readonly origin: string;
  readonly dataDir: string;
  /** Writes `size` random bytes to a file outside the server's folders. */
  sourceFile(name: string, size: number): Promise<{ path: string; bytes: Buffer }>;
  /** The assembled file of a completed upload (the default server keeps the client's name after the id). */
  assembled(uploadId: string, filename: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Starts the default server on a free port with its data in a new temp folder, and `env` besides. */
export async function startDefaultServer(env: Record<string, string> = {}): Promise<DefaultServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'frago-default-'));
  const sources = join(dataDir, 'source');
  await mkdir(sources);
  const server = await startServerProcess(DEFAULT_SERVER, { PORT: '0', HOST: '127.0.0.1', FRAGO_DATA_DIR: dataDir, ...env });
  return {
    server,
    origin: server.origin,
    dataDir,
    async sourceFile(name, size) {
      const bytes = randomBytes(size);
      const path = join(sources, name);
      await writeFile(path, bytes);
      return { path, bytes };
    },
    assembled: (uploadId, filename) => readFile(join(dataDir, 'assembled', `${uploadId}-${filename}`)),
    async close() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

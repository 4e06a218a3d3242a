import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, describeHttpConformance, remoteTarget, type HttpSuiteOptions, type HttpTarget, type RemoteServerConfig } from '@frago/conformance';
import type { Runtime } from './runtimes.js';
import { ROOT, startServerProcess } from './server-process.js';

/** Where the server process keeps upload records; bytes go to disk in both. */
type Backing = 'memory' | 'postgres';

/**
 * The HTTP suite's target in a server process of `runtime`: `script` serves the suite's
 * control handler with the runtime's own HTTP server, on disk storage in a fresh folder
 * and, for `postgres`, a fresh database whose rows the suite can look into.
 */
async function runtimeTarget(runtime: Runtime, script: string, backing: Backing, options: HttpSuiteOptions): Promise<HttpTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), `frago-${runtime.name}-`));
  const database = backing === 'postgres' ? await createTestDatabase() : undefined;
  const sql = database ? new pg.Client({ connectionString: database.clientUrl }) : undefined;
  const { limits, expirationMs, bodyIdleTimeoutMs, cors, companion } = options;
  const config: RemoteServerConfig = {
    dataDir,
    ...(database ? { databaseUrl: database.clientUrl } : {}),
    options: { limits, expirationMs, bodyIdleTimeoutMs, cors, companion },
    now: (options.now?.() ?? new Date()).getTime(),
  };
  const server = await startServerProcess(join(ROOT, 'test/support/runtimes', script), { FRAGO_CONFORMANCE: JSON.stringify(config) }, {
    command: runtime.binary,
    nodeArgs: runtime.sourceArgs,
  });
  await sql?.connect();
  const target = remoteTarget(
    {
      origin: server.origin,
      dataDir,
      close: async () => {
        await server.stop('SIGKILL');
        await sql?.end();
        await database?.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    },
    options,
  );
  if (sql === undefined || database === undefined) return target;
  const rows = async (query: string) => (await sql.query(query)).rows;
  return {
    ...target,
    snapshot: async () => ({
      uploads: await rows('select * from frago_upload order by id'),
      chunks: await rows('select * from frago_chunk order by upload_id, start_byte'),
    }),
    secrets: [...(target.secrets ?? []), database.clientUrl, database.name],
  };
}

/** Runs the HTTP suite against server processes of `runtime`, on memory and disk, and on PostgreSQL and disk. */
export function describeRuntimeConformance(name: string, runtime: () => Runtime, script: string): void {
  for (const backing of ['memory', 'postgres'] as const) {
    describeHttpConformance(`${name}, ${backing} and disk`, (options) => runtimeTarget(runtime(), script, backing, options));
  }
}

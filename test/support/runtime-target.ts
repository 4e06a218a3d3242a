import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remoteTarget, type HttpSuiteOptions, type HttpTarget, type RemoteServerConfig } from '@frago/conformance';
import type { Runtime } from './runtimes.js';
import { ROOT, startServerProcess } from './server-process.js';

/**
 * The HTTP suite's target in a server process of `runtime`: `script` serves the suite's
 * control handler with the runtime's own HTTP server, on disk storage in a fresh folder.
 */
export async function runtimeTarget(runtime: Runtime, script: string, options: HttpSuiteOptions): Promise<HttpTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), `frago-${runtime.name}-`));
  const { limits, expirationMs, bodyIdleTimeoutMs, cors } = options;
  const config: RemoteServerConfig = {
    dataDir,
    options: { limits, expirationMs, bodyIdleTimeoutMs, cors },
    now: (options.now?.() ?? new Date()).getTime(),
  };
  const server = await startServerProcess(join(ROOT, 'test/support/runtimes', script), { FRAGO_CONFORMANCE: JSON.stringify(config) }, {
    command: runtime.binary,
    nodeArgs: runtime.sourceArgs,
  });
  return remoteTarget(
    {
      origin: server.origin,
      dataDir,
      close: async () => {
        await server.stop('SIGKILL');
        await rm(dataDir, { recursive: true, force: true });
      },
    },
    options,
  );
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp } from './app.js';
import { configFromEnv } from './config.js';
import { GracefulShutdown } from './shutdown.js';

const config = configFromEnv();
// JSON lines on stdout, one per request, failures with their cause and stack.
const logger = pino({ level: config.logLevel });
const { app, frago, settled, drain, close } = await createApp({ ...config, logger });
const stopSweeper = frago.startSweeper(config.sweepIntervalMs);
frago.events.on('upload:completed', ({ upload, location }) => {
  logger.info({ uploadId: upload.id, filename: upload.filename, totalSize: upload.totalSize, location }, `completed ${upload.id}`);
});

const server = createServer();
const graceful = new GracefulShutdown(server, { graceMs: config.shutdownGraceMs, settled });
server.on('request', graceful.listener(app));
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  logger.info(`frago listening on http://${config.host}:${port} (API at /upload/, data in ${config.dataDir})`);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function shutdown(signal: string): Promise<void> {
  // Load balancers see /readyz fail and stop sending new work; what still comes is served.
  drain();
  logger.info(`${signal}: draining for ${config.drainDelayMs} ms, then in-flight requests have ${config.shutdownGraceMs} ms to finish`);
  await sleep(config.drainDelayMs);
  stopSweeper();
  const { abandoned } = await graceful.shutdown();
  if (abandoned > 0) logger.warn(`abandoned ${abandoned} request(s) still running after the grace period`);
  await close();
  logger.info('database closed');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const logger = pino({ level: config.logLevel });
const { app, frago, drain, close } = await createApp(config, logger);
// Safe on every process: each expiry is a compare-and-set, so one process deletes each upload.
const stopSweeper = frago.startSweeper(config.sweepIntervalMs);
frago.events.on('upload:completed', ({ upload, location }) => {
  logger.info({ uploadId: upload.id, filename: upload.filename, totalSize: upload.totalSize, location }, 'upload completed');
});
frago.events.on('upload:expired', ({ upload }) => {
  logger.info({ uploadId: upload.id, filename: upload.filename, totalSize: upload.totalSize }, 'upload expired');
});

const server = createServer(app);
server.requestTimeout = config.requestTimeoutMs;
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  logger.info(`frago listening on http://${config.host}:${port} (pid ${process.pid}, ${config.storage.kind} storage)`);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Behind a load balancer a stopping process drains: `/readyz` answers `draining` for
 * `FRAGO_DRAIN_DELAY_MS` while requests are still served, so the balancer stops sending
 * new ones; then the process stops accepting, lets chunks in flight finish for up to
 * `FRAGO_DRAIN_MS` (10 s), and cuts the rest. A cut chunk is not counted; its claim
 * lapses after `claimLeaseMs` and the client sends it again.
 */
async function shutdown(signal: string): Promise<void> {
  drain();
  logger.info(`${signal}: draining`);
  await sleep(config.drainDelayMs);
  stopSweeper();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), Number(process.env.FRAGO_DRAIN_MS ?? 10_000));
  await closed;
  clearTimeout(deadline);
  await close();
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

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const { app, frago, close } = await createApp(config);
// Safe on every process: each expiry is a compare-and-set, so one process deletes each upload.
const stopSweeper = frago.startSweeper(config.sweepIntervalMs, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => {
  console.log(`completed ${upload.id} (${upload.filename}, ${upload.totalSize} bytes) -> ${location}`);
});
frago.events.on('upload:expired', ({ upload }) => {
  console.log(`expired ${upload.id} (${upload.filename}, ${upload.totalSize} bytes)`);
});

const server = createServer(app);
server.requestTimeout = config.requestTimeoutMs;
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`frago listening on http://${config.host}:${port} (pid ${process.pid}, ${config.storage.kind} storage)`);
});

/**
 * Behind a load balancer a stopping process drains: it stops accepting, lets chunks in
 * flight finish for up to `FRAGO_DRAIN_MS` (10 s), then cuts the rest. A cut chunk is
 * not counted; its claim lapses after `claimLeaseMs` and the client sends it again.
 */
async function drain(signal: string): Promise<void> {
  console.log(`${signal}: draining`);
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
    drain(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  });
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { configFromEnv } from './config.js';
import { GracefulShutdown } from './shutdown.js';

const config = configFromEnv();
const { app, frago, settled, close } = await createApp(config);
const stopSweeper = frago.startSweeper(config.sweepIntervalMs, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => {
  console.log(`completed ${upload.id} (${upload.filename}, ${upload.totalSize} bytes) -> ${location}`);
});

const server = createServer();
const graceful = new GracefulShutdown(server, { graceMs: config.shutdownGraceMs, settled });
server.on('request', graceful.listener(app));
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`frago listening on http://${config.host}:${port} (API at /upload/, data in ${config.dataDir})`);
});

async function shutdown(signal: string): Promise<void> {
  console.log(`${signal}: closing, in-flight requests have ${config.shutdownGraceMs} ms to finish`);
  stopSweeper();
  const { abandoned } = await graceful.shutdown();
  if (abandoned > 0) console.log(`abandoned ${abandoned} request(s) still running after the grace period`);
  await close();
  console.log('database closed');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  });
}

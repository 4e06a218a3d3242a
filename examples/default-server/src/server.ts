import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const { app, frago, close } = await createApp(config);
const stopSweeper = frago.startSweeper(config.sweepIntervalMs, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => {
  console.log(`completed ${upload.id} (${upload.filename}, ${upload.totalSize} bytes) -> ${location}`);
});

const server = createServer(app);
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`frago listening on http://${config.host}:${port} (API at /upload/, data in ${config.dataDir})`);
});

function shutdown(signal: string): void {
  console.log(`${signal}: closing`);
  stopSweeper();
  server.close(() => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  server.closeIdleConnections();
}
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));

import { resolve } from 'node:path';
import { serve } from 'h3';
import { createApp } from './app.js';

const dataDir = resolve(process.env.FRAGO_DATA_DIR || 'data');
const { app, frago, close } = await createApp(dataDir);
const stopSweeper = frago.startSweeper(60_000, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => console.log(`completed ${upload.id} -> ${location}`));

const server = serve(app, { port: Number(process.env.PORT || 3000), hostname: process.env.HOST || '127.0.0.1', silent: true });
await server.ready();
console.log(`frago (h3) listening on ${server.url?.replace(/\/$/, '')} (data in ${dataDir})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    stopSweeper();
    await server.close();
    await close();
    process.exit(0);
  });
}

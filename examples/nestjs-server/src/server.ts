import { resolve } from 'node:path';
import { createApp } from './app.js';

const dataDir = resolve(process.env.FRAGO_DATA_DIR || 'data');
const { app, frago, close } = await createApp(dataDir);
const stopSweeper = frago.startSweeper(60_000, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => console.log(`completed ${upload.id} -> ${location}`));

await app.listen(Number(process.env.PORT || 3000), process.env.HOST || '127.0.0.1');
console.log(`frago (NestJS) listening on ${(await app.getUrl()).replace('[::1]', 'localhost')} (data in ${dataDir})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    stopSweeper();
    await close();
    process.exit(0);
  });
}

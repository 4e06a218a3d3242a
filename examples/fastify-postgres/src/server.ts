import { resolve } from 'node:path';
import { createApp } from './app.js';

const { app, frago } = await createApp({
  databaseUrl: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/frago',
  dataDir: resolve(process.env.FRAGO_DATA_DIR || 'data'),
});
const stopSweeper = frago.startSweeper(60_000, (error) => app.log.error(error, 'sweep failed'));
frago.events.on('upload:completed', ({ upload, location }) => app.log.info({ upload: upload.id, location }, 'upload completed'));

const address = await app.listen({ port: Number(process.env.PORT || 3000), host: process.env.HOST || '127.0.0.1' });
console.log(`frago (Fastify + PostgreSQL) listening on ${address}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopSweeper();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

import { resolve } from 'node:path';
import { ANONYMOUS, createFrago, fragoFetch, MemoryRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { serveWithBun } from './serve.ts';

// Upload records in memory (uploads in progress are lost on restart), bytes on disk.
const dataDir = resolve(process.env.FRAGO_DATA_DIR || 'data');
const frago = createFrago({ repository: new MemoryRepository(), storage: new DiskStorage({ directory: dataDir }) });
const stopSweeper = frago.startSweeper(60_000, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => console.log(`completed ${upload.id} -> ${location}`));

// A demo without sign-in: it accepts uploads from anyone, explicitly (see examples/custom-auth).
const server = serveWithBun(fragoFetch(frago, { identify: () => ANONYMOUS }), { hostname: process.env.HOST || '127.0.0.1', port: Number(process.env.PORT || 3000) });
console.log(`frago (Bun) listening on ${server.origin} (data in ${dataDir})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    stopSweeper();
    await server.stop();
    process.exit(0);
  });
}

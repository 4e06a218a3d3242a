import { once } from 'node:events';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { ANONYMOUS, createFrago, MemoryRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { createHonoApp } from './app.js';

// Upload records live in memory (lost on restart); bytes and finished files on disk.
const dataDir = resolve(process.env.FRAGO_DATA_DIR || 'data');
const frago = createFrago({ repository: new MemoryRepository(), storage: new DiskStorage({ directory: dataDir }) });
const stopSweeper = frago.startSweeper(60_000, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => console.log(`completed ${upload.id} -> ${location}`));

const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || '127.0.0.1';
// A demo without sign-in: it accepts uploads from anyone, explicitly (see examples/custom-auth).
const server = serve({ fetch: createHonoApp(frago, { identify: () => ANONYMOUS }).fetch, port, hostname }, (info) => {
  console.log(`frago (Hono) listening on http://${info.address}:${info.port} (data in ${dataDir})`);
});

await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
stopSweeper();
server.close();

import { resolve } from 'node:path';
import { ANONYMOUS, createFrago, fragoFetch, MemoryRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { serveWithDeno } from './serve.ts';

declare const Deno: {
  env: { get(name: string): string | undefined };
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', listener: () => void): void;
  exit(code: number): never;
};

// Upload records in memory (uploads in progress are lost on restart), bytes on disk.
const dataDir = resolve(Deno.env.get('FRAGO_DATA_DIR') || 'data');
const frago = createFrago({ repository: new MemoryRepository(), storage: new DiskStorage({ directory: dataDir }) });
const stopSweeper = frago.startSweeper(60_000, (error) => console.error('sweep failed:', error));
frago.events.on('upload:completed', ({ upload, location }) => console.log(`completed ${upload.id} -> ${location}`));

const where = { hostname: Deno.env.get('HOST') || '127.0.0.1', port: Number(Deno.env.get('PORT') || 3000) };
// A demo without sign-in: it accepts uploads from anyone, explicitly (see examples/custom-auth).
const server = await serveWithDeno(fragoFetch(frago, { identify: () => ANONYMOUS }), where);
console.log(`frago (Deno) listening on ${server.origin} (data in ${dataDir})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  Deno.addSignalListener(signal, async () => {
    stopSweeper();
    await server.stop();
    Deno.exit(0);
  });
}

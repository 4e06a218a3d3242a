import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ANONYMOUS, createFrago, MemoryRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { createCustomServer } from './app.js';

// Upload records live in memory (lost on restart); bytes and finished files on disk.
const dataDir = resolve(process.env.FRAGO_DATA_DIR || 'data');
const frago = createFrago({ repository: new MemoryRepository(), storage: new DiskStorage({ directory: dataDir }) });
frago.startSweeper();
frago.events.on('upload:completed', ({ upload, location }) => console.log(`completed ${upload.id} -> ${location}`));

// A demo without sign-in: it accepts uploads from anyone, explicitly (see examples/custom-auth).
const server = createCustomServer(frago, { identify: () => ANONYMOUS });
server.listen(Number(process.env.PORT || 3000), process.env.HOST || '127.0.0.1');
await once(server, 'listening');
const { address, port } = server.address() as AddressInfo;
console.log(`frago (node:http) listening on http://${address}:${port} (data in ${dataDir})`);

await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
server.close();
server.closeIdleConnections();

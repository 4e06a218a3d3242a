// One server process of the memory benchmark: `adapter-memory-server.ts <row name>`.
// Upload records in memory, bytes on disk under FRAGO_DATA_DIR.
import type { AddressInfo } from 'node:net';
import { createFrago, MemoryRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { BENCH_SERVERS, type BenchServerName } from './adapter-servers.js';

const GiB = 1024 ** 3;
const name = process.argv[2] as BenchServerName;
const dataDir = process.env.FRAGO_DATA_DIR;
if (!(name in BENCH_SERVERS) || !dataDir) throw new Error('usage: FRAGO_DATA_DIR=... adapter-memory-server.ts <row name>');

const frago = createFrago({
  repository: new MemoryRepository(),
  storage: new DiskStorage({ directory: dataDir }),
  limits: { maxChunkSize: 2 * GiB, maxUploadSize: 2 * GiB },
});
const server = await BENCH_SERVERS[name](frago, dataDir);
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

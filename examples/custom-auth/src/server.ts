import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createFrago, MemoryRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { DeviceRegistry } from './devices.js';
import { expressDeviceServer } from './express.js';
import { fastifyDeviceServer } from './fastify.js';
import { h3DeviceServer } from './h3.js';

const servers = { express: expressDeviceServer, fastify: fastifyDeviceServer, h3: h3DeviceServer };
const framework = (process.argv[2] ?? 'express') as keyof typeof servers;
if (!(framework in servers)) throw new Error(`Choose one of ${Object.keys(servers).join(', ')}, not ${framework}`);

const devices = new DeviceRegistry();
const frago = createFrago({ repository: new MemoryRepository(), storage: new DiskStorage({ directory: resolve(process.env.FRAGO_DATA_DIR || 'data') }) });
const server = await servers[framework](frago, devices);
server.listen(Number(process.env.PORT || 3000), process.env.HOST || '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`frago (${framework}, device tokens) listening on http://${address}:${port}`);
  for (const id of ['drone-1', 'drone-2']) {
    console.log(`  ${id}: X-Device-Token: ${devices.register({ id, name: id, enabled: true })}`);
  }
});
process.once('SIGTERM', () => server.close());
process.once('SIGINT', () => server.close());

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, MemoryRepository, MemoryStorage, type Frago } from '@frago/core';
import { callJson, listen, uploadFile } from '@frago/conformance';
import { DEVICE_TOKEN_HEADER, DeviceRegistry } from '../examples/custom-auth/src/devices.js';
import { expressDeviceServer } from '../examples/custom-auth/src/express.js';
import { fastifyDeviceServer } from '../examples/custom-auth/src/fastify.js';
import { h3DeviceServer } from '../examples/custom-auth/src/h3.js';

const frameworks: Array<[string, (frago: Frago, devices: DeviceRegistry) => Server | Promise<Server>]> = [
  ['Express', expressDeviceServer],
  ['Fastify', fastifyDeviceServer],
  ['h3', h3DeviceServer],
];

describe.each(frameworks)('per-device identity under %s (examples/custom-auth)', (_name, serve) => {
  const repository = new MemoryRepository();
  const devices = new DeviceRegistry();
  const tokenA = devices.register({ id: 'drone-a', name: 'Drone A', enabled: true });
  const tokenB = devices.register({ id: 'drone-b', name: 'Drone B', enabled: true });
  const tokenLost = devices.register({ id: 'drone-lost', name: 'Lost drone', enabled: false });
  const as = (token: string) => ({ [DEVICE_TOKEN_HEADER]: token });
  let server: { origin: string; close: () => Promise<void> };
  let api: string;

  beforeAll(async () => {
    server = await listen(await serve(createFrago({ repository, storage: new MemoryStorage() }), devices));
    api = `${server.origin}/upload`;
  });
  afterAll(() => server?.close());

  it('owns an upload by device:<id>, and no other device can see or touch it', async () => {
    const bytes = new Uint8Array(randomBytes(100_000));
    const done = await uploadFile(api, bytes, { headers: as(tokenA) });
    expect(done.status).toBe(201);
    expect((await repository.get(done.id))?.owner).toBe('device:drone-a');

    const other = await callJson(`${api}/`, { method: 'POST', headers: as(tokenA), body: { filename: 'b.bin', total_size: 10 } });
    const open = String(other.body.upload_id);
    const attempts = [
      await callJson(`${api}/${done.id}/`, { headers: as(tokenB) }),
      await callJson(`${api}/${open}/`, { headers: as(tokenB) }),
      await callJson(`${api}/${open}/`, {
        method: 'PUT',
        headers: { ...as(tokenB), 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-9/10' },
        body: new Uint8Array(10),
      }),
      await callJson(`${api}/${open}/`, { method: 'POST', headers: as(tokenB), body: {} }),
      await callJson(`${api}/${open}/`, { method: 'DELETE', headers: as(tokenB) }),
    ];
    for (const attempt of attempts) expect(attempt).toMatchObject({ status: 404, body: { error: 'UPLOAD_NOT_FOUND' } });
    expect((await callJson(`${api}/`, { headers: as(tokenB) })).body.uploads).toEqual([]);

    const mine = await callJson(`${api}/`, { headers: as(tokenA) });
    expect((mine.body.uploads as Array<{ upload_id: string }>).map((upload) => upload.upload_id).sort()).toEqual([done.id, open].sort());
    expect((await callJson(`${api}/${open}/`, { headers: as(tokenA) })).body).toMatchObject({ status: 'in_progress', received: [] });
  });

  it('refuses a missing or unknown token with 401 and a disabled device with 403', async () => {
    const start = (headers: Record<string, string>) => callJson(`${api}/`, { method: 'POST', headers, body: { filename: 'x', total_size: 1 } });
    expect(await start({})).toMatchObject({ status: 401, body: { status: false, error: 'UNAUTHENTICATED' } });
    expect(await start(as('not-a-token'))).toMatchObject({ status: 401, body: { status: false, error: 'UNAUTHENTICATED' } });
    expect(await start(as(tokenLost))).toMatchObject({ status: 403, body: { status: false, error: 'FORBIDDEN' } });
    expect(await repository.countActive('device:drone-lost')).toBe(0);
  });
});

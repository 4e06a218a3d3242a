import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '@frago/conformance';
import { FragoClient, MemoryStore, type ChecksumAlgorithm } from '@frago/client';
import { fileSource } from '@frago/client/node';
import { bitwiseCrc32c, bitwiseCrc64nvme } from './support/bitwise-crc.js';
import { startDefaultServer, type DefaultServer } from './support/default-server.js';

const KiB = 1024;

describe('@frago/client with a combinable checksum, against the default server process (Express + SQLite + disk)', () => {
  let server: DefaultServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startDefaultServer();
    proxy = await startFaultProxy(server.origin);
  });
  afterEach(() => proxy.decide(() => 'pass'));
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it.each([
    ['crc32c', bitwiseCrc32c],
    ['crc64nvme', bitwiseCrc64nvme],
  ] as Array<[ChecksumAlgorithm, (bytes: Uint8Array) => string]>)(
    '%s: parallel chunks, the first arriving last, verify against a CRC computed bit by bit',
    async (algorithm, crc) => {
      const { path, bytes } = await server.sourceFile(`${algorithm}.bin`, 1024 * KiB + 5);
      // The first chunk is refused once, so it is sent again after the others.
      let refused = false;
      proxy.decide((request) => {
        if (request.method !== 'PUT' || refused || !String(request.headers['content-range']).startsWith('bytes 0-')) return 'pass';
        refused = true;
        return 'unavailable';
      });
      const client = new FragoClient({ endpoint: `${proxy.origin}/upload`, chunkSize: 128 * KiB, parallel: 6, retryDelayMs: 50, store: new MemoryStore() });
      const result = await client.upload(await fileSource(path), { checksum: algorithm }).done;

      const expected = crc(bytes);
      expect(result).toMatchObject({ checksum: expected, checksumAlgorithm: algorithm, verified: true });
      expect(refused).toBe(true);
      const puts = proxy.log.filter((request) => request.method === 'PUT' && request.status === 200);
      // Out of order: chunks after the first were stored before it was.
      const firstStored = puts.findIndex((request) => String(request.headers['content-range']).startsWith('bytes 0-'));
      expect(firstStored).toBeGreaterThan(0);
      expect((await server.assembled(result.uploadId, `${algorithm}.bin`)).equals(bytes)).toBe(true);
      expect((await client.status(result.uploadId)).checksum).toBe(expected);
    },
  );
});

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFaultProxy, type FaultProxy } from '@frago/conformance';
import { FragoClient, MemoryStore, fingerprint, type ChecksumAlgorithm, type ClientOptions, type RetryInfo, type UploadStore } from '@frago/client';
import { FileStore, fileSource } from '@frago/client/node';
import { bitwiseCrc32c, bitwiseCrc64nvme } from './support/bitwise-crc.js';
import { startDefaultServer, type DefaultServer } from './support/default-server.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('@frago/client against the default server process (Express + SQLite + disk)', () => {
  let server: DefaultServer;
  let proxy: FaultProxy;

  const client = (options: Partial<ClientOptions> = {}) =>
    new FragoClient({ endpoint: `${proxy.origin}/upload`, chunkSize: MiB, retryDelayMs: 20, maxRetryDelayMs: 200, store: new MemoryStore(), ...options });
  const file = (name: string, size: number) => server.sourceFile(name, size);
  const assembled = (uploadId: string, name: string) => server.assembled(uploadId, name);
  // The ranges sent since a request: a range met by 409 RANGE_IN_FLIGHT (a claim left by the abort) is sent again, and counts once.
  const rangesSentSince = (index: number) =>
    new Set(proxy.log.filter((request) => request.method === 'PUT' && request.index >= index).map((request) => request.headers['content-range']));

  beforeAll(async () => {
    server = await startDefaultServer();
    proxy = await startFaultProxy(server.origin);
  });
  afterEach(() => proxy.decide(() => 'pass'));
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('uploads a file from disk in parallel chunks, byte for byte', async () => {
    const { path, bytes } = await file('parallel.bin', 24 * MiB + 7);
    const upload = client({ parallel: 6 }).upload(await fileSource(path));
    let sending = 0;
    let mostSending = 0;
    upload.on('chunk', (chunk) => {
      sending += chunk.state === 'sending' ? 1 : chunk.state === 'done' ? -1 : 0;
      mostSending = Math.max(mostSending, sending);
    });
    const result = await upload.done;
    expect(result).toMatchObject({ filename: 'parallel.bin', totalSize: bytes.length, checksum: md5(bytes), verified: true });
    expect(mostSending).toBeGreaterThan(1);
    expect((await assembled(result.uploadId, 'parallel.bin')).equals(bytes)).toBe(true);
  });

  it('retries after injected 503s and dropped connections', async () => {
    const { path, bytes } = await file('flaky.bin', 8 * MiB);
    let puts = 0;
    proxy.decide((request) => {
      if (request.method !== 'PUT') return 'pass';
      puts += 1;
      return puts % 4 === 1 ? 'unavailable' : puts % 4 === 2 ? 'drop' : 'pass';
    });
    const retries: RetryInfo[] = [];
    const upload = client({ chunkSize: 512 * 1024 }).upload(await fileSource(path));
    upload.on('retry', (info) => retries.push(info));
    const result = await upload.done;
    const codes = new Set(retries.map((retry) => retry.error.code));
    expect(codes.has('SERVER_ERROR')).toBe(true);
    expect(codes.has('NETWORK')).toBe(true);
    expect(proxy.log.some((request) => request.action === 'drop')).toBe(true);
    expect(result.checksum).toBe(md5(bytes));
    expect((await assembled(result.uploadId, 'flaky.bin')).equals(bytes)).toBe(true);
  });

  it('resumes after an abort from the state file, sending only what is missing', async () => {
    const { path, bytes } = await file('resume.bin', 10 * MiB);
    const statePath = join(server.dataDir, 'state.json');
    const stop = new AbortController();
    const first = client({ store: new FileStore(statePath), parallel: 2 }).upload(await fileSource(path), { signal: stop.signal });
    let done = 0;
    first.on('chunk', (chunk) => chunk.state === 'done' && ++done === 3 && stop.abort());
    await expect(first.done).rejects.toMatchObject({ code: 'CANCELLED' });
    // The chunk in flight at the abort may still be recorded (its body had already left): wait until nothing is.
    const status = await vi.waitFor(async () => {
      const now = await client().status(first.uploadId!);
      expect(now.in_flight).toEqual([]);
      return now;
    });
    expect(status.status).toBe('in_progress');
    expect(status.received_bytes).toBeGreaterThanOrEqual(3 * MiB);

    const before = proxy.log.length;
    const store: UploadStore = new FileStore(statePath);
    const result = await client({ store }).upload(await fileSource(path)).done;
    expect(result).toMatchObject({ uploadId: first.uploadId, resumed: true, resumedBytes: status.received_bytes, checksum: md5(bytes) });
    expect(rangesSentSince(before).size).toBe((bytes.length - status.received_bytes) / MiB);
    expect((await assembled(result.uploadId, 'resume.bin')).equals(bytes)).toBe(true);
    expect(await store.get(fingerprint(`${proxy.origin}/upload`, first.source))).toBeUndefined();
  });

  it('reports a checksum mismatch when a chunk is corrupted on the way, keeping the bytes on the server', async () => {
    const { path, bytes } = await file('corrupt.bin', 4 * MiB);
    let puts = 0;
    proxy.decide((request) => (request.method === 'PUT' && ++puts === 2 ? 'corrupt' : 'pass'));
    const upload = client().upload(await fileSource(path));
    const error = await upload.done.catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'CHECKSUM_MISMATCH', status: 422, details: { expected: md5(bytes) } });
    expect((error as { details: { actual: string } }).details.actual).not.toBe(md5(bytes));
    expect(upload.phase).toBe('failed');
    expect((await client().status(upload.uploadId!)).status).toBe('in_progress');
  });

  it('sends a small file with crc32c in one POST, its CRC in Repr-Digest, verified by the server', async () => {
    const { path, bytes } = await file('small-crc.bin', 100 * 1024 + 3);
    const before = proxy.log.length;
    const result = await client().upload(await fileSource(path), { checksum: 'crc32c' }).done;
    expect(result).toMatchObject({ checksum: bitwiseCrc32c(bytes), checksumAlgorithm: 'crc32c', verified: true });
    const sent = proxy.log.slice(before);
    expect(sent.map((request) => request.method)).toEqual(['POST']);
    expect(sent[0]?.headers['repr-digest']).toBe(`crc32c=:${Buffer.from(bitwiseCrc32c(bytes), 'hex').toString('base64')}:`);
    expect((await assembled(result.uploadId, 'small-crc.bin')).equals(bytes)).toBe(true);
  });

  it('sends a small file with metadata in one POST, Frago-Metadata carrying it to the status', async () => {
    const { path, bytes } = await file('small-meta.bin', 20 * 1024);
    const metadata = { album: 'Été 2030', people: ['Ana', 'Bo'], gps: { lat: 48.85, lon: 2.35 } };
    const before = proxy.log.length;
    const result = await client().upload(await fileSource(path), { metadata }).done;
    const sent = proxy.log.slice(before);
    expect(sent.map((request) => request.method)).toEqual(['POST']);
    expect(JSON.parse(Buffer.from(String(sent[0]?.headers['frago-metadata']), 'base64url').toString('utf8'))).toEqual(metadata);
    expect((await client().status(result.uploadId)).metadata).toEqual(metadata);
    expect((await assembled(result.uploadId, 'small-meta.bin')).equals(bytes)).toBe(true);
  });

  it.each([
    ['crc32c', bitwiseCrc32c],
    ['crc64nvme', bitwiseCrc64nvme],
  ] as Array<[ChecksumAlgorithm, (bytes: Uint8Array) => string]>)(
    '%s: parallel chunks, the first arriving last, verify against a CRC computed bit by bit',
    async (algorithm, crc) => {
      const { path, bytes } = await file(`${algorithm}.bin`, MiB + 5);
      // The first chunk is refused once, so it is sent again after the others.
      const before = proxy.log.length;
      let refused = false;
      proxy.decide((request) => {
        if (request.method !== 'PUT' || refused || !String(request.headers['content-range']).startsWith('bytes 0-')) return 'pass';
        refused = true;
        return 'unavailable';
      });
      const result = await client({ chunkSize: 128 * 1024, parallel: 6 }).upload(await fileSource(path), { checksum: algorithm }).done;

      const expected = crc(bytes);
      expect(result).toMatchObject({ checksum: expected, checksumAlgorithm: algorithm, verified: true });
      expect(refused).toBe(true);
      const puts = proxy.log.slice(before).filter((request) => request.method === 'PUT' && request.status === 200);
      // Out of order: chunks after the first were stored before it was.
      const firstStored = puts.findIndex((request) => String(request.headers['content-range']).startsWith('bytes 0-'));
      expect(firstStored).toBeGreaterThan(0);
      expect((await assembled(result.uploadId, `${algorithm}.bin`)).equals(bytes)).toBe(true);
      expect((await client().status(result.uploadId)).checksum).toBe(expected);
    },
  );
});

import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FragoClient,
  MemoryStore,
  blobSource,
  fingerprint,
  isFragoClientError,
  type ChunkProgress,
  type ClientOptions,
  type RetryInfo,
  type UploadProgress,
  type UploadSource,
} from '@frago/client';
import { startServer, unavailable, type TestServer } from './_server.js';

const KiB = 1024;
const digest = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest('hex');
const puts = (server: TestServer) => server.requests.filter((line) => line.startsWith('PUT'));

describe('FragoClient against an in-process server', () => {
  let server: TestServer;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const client = (options: Partial<ClientOptions> = {}) =>
    new FragoClient({ endpoint: server.endpoint, chunkSize: 64 * KiB, retryDelayMs: 1, maxRetryDelayMs: 5, store: new MemoryStore(), ...options });

  beforeEach(async () => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    server = await startServer({ now: () => new Date(clock), expirationMs: 60_000 });
  });
  afterEach(() => server.close());

  it('uploads a Blob in parallel chunks, reports progress and verifies the checksum', async () => {
    const bytes = randomBytes(1024 * KiB + 123);
    const upload = client({ parallel: 4 }).upload(new Blob([bytes]), { metadata: { camera: 'a' } });
    const progress: UploadProgress[] = [];
    let sending = 0;
    let mostSending = 0;
    upload.on('progress', (event) => progress.push(event));
    upload.on('chunk', (chunk) => {
      sending += chunk.state === 'sending' ? 1 : chunk.state === 'done' ? -1 : 0;
      mostSending = Math.max(mostSending, sending);
    });
    const result = await upload.done;

    expect(result).toMatchObject({ totalSize: bytes.length, checksum: digest('md5', bytes), checksumAlgorithm: 'md5', verified: true, resumed: false });
    expect(Buffer.from(await server.assembled(result.uploadId)).equals(bytes)).toBe(true);
    expect(puts(server)).toHaveLength(17);
    expect(mostSending).toBeGreaterThan(1);
    expect(mostSending).toBeLessThanOrEqual(4);
    const confirmed = progress.map((event) => event.confirmedBytes);
    expect(confirmed).toEqual([...confirmed].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: 'complete', confirmedBytes: bytes.length, totalBytes: bytes.length, hashedBytes: bytes.length, secondsLeft: 0 });
    expect(upload.chunks.every((chunk: ChunkProgress) => chunk.state === 'done')).toBe(true);
    expect((await client().status(result.uploadId)).metadata).toEqual({ camera: 'a' });
  });

  it('sends a file smaller than one chunk in one request, with its progress and its checksum verified by the server', async () => {
    const bytes = randomBytes(40 * KiB);
    const upload = client({ checksum: 'sha256' }).upload(blobSource(new Blob([bytes]), 'notes – été.txt'), {});
    const phases: string[] = [];
    const chunks: ChunkProgress[] = [];
    upload.on('phase', (phase) => phases.push(phase));
    upload.on('chunk', (chunk) => chunks.push(chunk));
    const result = await upload.done;
    expect(server.requests).toEqual(['POST /upload/']);
    expect(result).toMatchObject({ totalSize: bytes.length, checksum: digest('sha256', bytes), checksumAlgorithm: 'sha256', verified: true, sentBytes: bytes.length });
    expect(Buffer.from(await server.assembled(result.uploadId)).equals(bytes)).toBe(true);
    expect(phases).toEqual(['uploading', 'complete']);
    expect(chunks.map((chunk) => chunk.state)).toEqual(['sending', 'done']);
    expect(upload.progress).toMatchObject({ phase: 'complete', confirmedBytes: bytes.length, hashedBytes: bytes.length });
    expect(await client().status(result.uploadId)).toMatchObject({ status: 'complete', filename: 'notes – été.txt', checksum_algo: 'sha256' });
  });

  it('sends a small file with metadata in one request, and the status shows the metadata as a JSON start would', async () => {
    const bytes = randomBytes(10 * KiB);
    const metadata = { camera: 'b', tags: ['été', '日本'], shot: { iso: 400, flash: false }, note: null };
    const result = await client().upload(blobSource(new Blob([bytes]), 'photo.jpg'), { metadata }).done;
    expect(server.requests).toEqual(['POST /upload/']);
    expect(Buffer.from(await server.assembled(result.uploadId)).equals(bytes)).toBe(true);
    expect(await client().status(result.uploadId)).toMatchObject({ status: 'complete', filename: 'photo.jpg', metadata });
  });

  it('keeps the three requests for a file of one chunk or more, with metadata too large for a header, or with a checksum Repr-Digest cannot carry', async () => {
    await client().upload(new Blob([randomBytes(64 * KiB)]), {}).done;
    const large = { note: 'x'.repeat(7000) };
    const started = await client().upload(new Blob([randomBytes(10)]), { metadata: large }).done;
    await client({ checksum: 'blake3' }).upload(new Blob([randomBytes(10)]), {}).done;
    expect(server.requests.map((line) => line.split(' ')[0])).toEqual(['POST', 'PUT', 'POST', 'POST', 'PUT', 'POST', 'POST', 'PUT', 'POST']);
    expect((await client().status(started.uploadId)).metadata).toEqual(large);
  });

  it('uploads an empty file and computes the algorithm it was asked for', async () => {
    const result = await client({ checksum: 'sha256' }).upload(new Blob([]), {}).done;
    expect(result).toMatchObject({ totalSize: 0, checksum: digest('sha256', new Uint8Array()), checksumAlgorithm: 'sha256' });
    expect(puts(server)).toEqual([]);
  });

  it('retries chunks after 503s and dropped connections, and still assembles the exact bytes', async () => {
    const bytes = randomBytes(512 * KiB);
    let count = 0;
    server.intercept((req, res) => {
      if (req.method !== 'PUT') return false;
      count += 1;
      if (count % 3 === 1) return unavailable(res);
      if (count % 3 === 2) {
        req.socket.destroy();
        return true;
      }
      return false;
    });
    const retries: RetryInfo[] = [];
    const upload = client().upload(new Blob([bytes]), {});
    upload.on('retry', (info) => retries.push(info));
    const result = await upload.done;
    expect(digest('md5', await server.assembled(result.uploadId))).toBe(digest('md5', bytes));
    expect(retries.map((retry) => retry.error.code)).toContain('SERVER_ERROR');
    expect(retries.map((retry) => retry.error.code)).toContain('NETWORK');
  });

  it('gives up after its retries with the last error, and never retries a request that cannot succeed', async () => {
    server.intercept((req, res) => req.method === 'POST' && unavailable(res));
    const failed = await client({ retries: 2 }).upload(new Blob([randomBytes(10)]), {}).done.catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: 'SERVER_ERROR', status: 503, serverCode: 'REPOSITORY_FAILED' });
    expect(server.requests).toEqual(['POST /upload/', 'POST /upload/', 'POST /upload/']);

    server.intercept(null);
    const small = await startServer({ limits: { maxUploadSize: 100 } });
    try {
      const refused = await new FragoClient({ endpoint: small.endpoint, retryDelayMs: 1 }).upload(new Blob([randomBytes(101)]), {}).done.catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'REFUSED', status: 413, serverCode: 'UPLOAD_TOO_LARGE' });
      expect(small.requests).toEqual(['POST /upload/']);
    } finally {
      await small.close();
    }
  });

  it('sends again what finalize reports missing (a chunk acknowledged but never stored)', async () => {
    const bytes = randomBytes(256 * KiB);
    let lied = false;
    server.intercept((req, res) => {
      if (req.method !== 'PUT' || lied || req.headers['content-range'] !== `bytes 65536-131071/${bytes.length}`) return false;
      lied = true;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: true, start: 65536, end: 131071, size: 65536, duplicate: false }));
      return true;
    });
    const result = await client().upload(new Blob([bytes]), {}).done;
    expect(lied).toBe(true);
    expect(puts(server).filter((line) => line.includes('65536-131071'))).toHaveLength(2);
    expect(Buffer.from(await server.assembled(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('times a request out and retries it', async () => {
    let stalled = 0;
    server.intercept((req) => req.method === 'POST' && ++stalled <= 2);
    const retries: RetryInfo[] = [];
    const upload = client({ requestTimeoutMs: 200 }).upload(new Blob([randomBytes(100)]), {});
    upload.on('retry', (info) => retries.push(info));
    await upload.done;
    expect(retries.map((retry) => retry.error.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
  });

  it('asks a header function before every request', async () => {
    let issued = 0;
    const seen: string[] = [];
    server.intercept((req) => {
      seen.push(String(req.headers.authorization));
      return false;
    });
    await client({ headers: () => ({ authorization: `Bearer ${++issued}` }) }).upload(new Blob([randomBytes(100 * KiB)]), {}).done;
    expect(seen).toEqual(['Bearer 1', 'Bearer 2', 'Bearer 3', 'Bearer 4']);
  });

  it('resumes after an abort by the caller, sending only what the server is missing', async () => {
    const bytes = randomBytes(640 * KiB);
    const store = new MemoryStore();
    const stop = new AbortController();
    const first = client({ store, parallel: 1 }).upload(new Blob([bytes]), { signal: stop.signal });
    first.on('chunk', (chunk) => {
      if (chunk.state === 'done' && chunk.start === 192 * KiB) stop.abort();
    });
    await expect(first.done).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(first.phase).toBe('cancelled');
    const sentBefore = puts(server).length;

    const second = client({ store }).upload(new Blob([bytes]), {});
    const sessions: unknown[] = [];
    second.on('session', (session) => sessions.push(session));
    const result = await second.done;
    expect(sessions).toEqual([expect.objectContaining({ uploadId: first.uploadId, resumed: true, receivedBytes: 256 * KiB })]);
    expect(result).toMatchObject({ uploadId: first.uploadId, resumed: true, resumedBytes: 256 * KiB, sentBytes: 384 * KiB });
    expect(puts(server).slice(sentBefore)).toHaveLength(6);
    expect(Buffer.from(await server.assembled(result.uploadId)).equals(bytes)).toBe(true);
    expect(store.get(fingerprint(server.endpoint, first.source))).toBeUndefined();
  });

  it('resumes by upload id without a store, and refuses an id whose upload is gone', async () => {
    const bytes = randomBytes(200 * KiB);
    const started = await client().start({ filename: 'a.bin', totalSize: bytes.length });
    const result = await client({ store: new MemoryStore() }).upload(new Blob([bytes]), { uploadId: started.upload_id }).done;
    expect(result).toMatchObject({ uploadId: started.upload_id, resumed: true, resumedBytes: 0 });

    const again = await client().upload(new Blob([bytes]), { uploadId: started.upload_id }).done;
    expect(again).toMatchObject({ uploadId: started.upload_id, alreadyComplete: true, verified: true, sentBytes: 0 });

    const expiring = await client().start({ filename: 'b.bin', totalSize: 10 });
    clock += 120_000;
    await expect(client().upload(new Blob([randomBytes(10)]), { uploadId: expiring.upload_id }).done).rejects.toMatchObject({
      code: 'EXPIRED',
      serverCode: 'UPLOAD_EXPIRED',
    });
    await expect(client().status('no-such-upload')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('starts afresh when the stored upload expired on the server', async () => {
    const bytes = randomBytes(100 * KiB);
    const store = new MemoryStore();
    const stop = new AbortController();
    const first = client({ store }).upload(new Blob([bytes]), { signal: stop.signal });
    first.on('chunk', (chunk) => chunk.state === 'done' && stop.abort());
    await first.done.catch(() => undefined);
    clock += 120_000;
    const result = await client({ store }).upload(new Blob([bytes]), {}).done;
    expect(result.uploadId).not.toBe(first.uploadId);
    expect(result.resumed).toBe(false);
  });

  it('pauses without sending and resumes to the end', async () => {
    const bytes = randomBytes(512 * KiB);
    const upload = client({ parallel: 2 }).upload(new Blob([bytes]), {});
    const paused = new Promise<void>((resolve) => {
      const stop = upload.on('chunk', (chunk) => {
        if (chunk.state !== 'done') return;
        stop();
        upload.pause();
        resolve();
      });
    });
    await paused;
    expect(upload.phase).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = puts(server).length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(puts(server).length).toBe(during);
    expect(upload.progress.confirmedBytes).toBeLessThan(bytes.length);
    upload.resume();
    const result = await upload.done;
    expect(Buffer.from(await server.assembled(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('cancels: the upload is aborted on the server and forgotten', async () => {
    const store = new MemoryStore();
    const upload = client({ store, parallel: 1 }).upload(new Blob([randomBytes(512 * KiB)]), {});
    await new Promise<void>((resolve) => upload.on('chunk', (chunk) => chunk.state === 'done' && resolve()));
    expect(store.get(fingerprint(server.endpoint, upload.source))).toMatchObject({ uploadId: upload.uploadId });
    await upload.cancel();
    await expect(upload.done).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(upload.phase).toBe('cancelled');
    await expect(client().status(upload.uploadId!)).rejects.toMatchObject({ code: 'EXPIRED', status: 410, serverCode: 'UPLOAD_ABORTED' });
    expect(store.get(fingerprint(server.endpoint, upload.source))).toBeUndefined();
  });

  it('reports a checksum mismatch when the bytes sent differ from the file it hashed', async () => {
    const bytes = randomBytes(256 * KiB);
    const changed = Buffer.from(bytes);
    changed[100 * KiB] = (changed[100 * KiB]! + 1) % 256;
    const original = blobSource(new Blob([bytes]), 'changing.bin');
    // The file changes between the checksum's read and the chunk's read.
    const source: UploadSource = { ...original, blob: undefined, slice: (start, end) => new Blob([changed]).slice(start, end + 1) };
    const store = new MemoryStore();
    const error = await client({ store }).upload(source, {}).done.catch((failure: unknown) => failure);
    expect(isFragoClientError(error, 'CHECKSUM_MISMATCH')).toBe(true);
    expect(error).toMatchObject({ status: 422, details: { expected: digest('md5', bytes), actual: digest('md5', changed) } });
    expect(store.get(fingerprint(server.endpoint, source))).toBeUndefined();
  });
});

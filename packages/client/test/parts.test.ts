import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksumAlgorithm, localStorageStore, resolveEndpoint, retryDelay, type StorageLike } from '@frago/client';
import { FileStore, fileSource } from '@frago/client/node';
import { errorFromAnswer } from '../src/http.js';
import { digestPart, PART_BUFFER_LIMIT } from '../src/part-digest.js';
import { PartUrls, type PartToSign } from '../src/part-urls.js';
import { PartsAhead } from '../src/parts-ahead.js';
import type { SignedPartAnswer } from '../src/wire.js';
import { planChunks } from '../src/plan.js';

describe('how answers become errors', () => {
  it.each([
    [503, 'REPOSITORY_FAILED', 'SERVER_ERROR', true],
    [502, undefined, 'SERVER_ERROR', true],
    [429, 'TOO_MANY_UPLOADS', 'REFUSED', true],
    [409, 'RANGE_IN_FLIGHT', 'REFUSED', true],
    [409, 'UPLOAD_BUSY', 'REFUSED', true],
    [409, 'RANGE_CONFLICT', 'REFUSED', false],
    [413, 'CHUNK_TOO_LARGE', 'REFUSED', false],
    [404, 'UPLOAD_NOT_FOUND', 'NOT_FOUND', false],
    [404, 'ROUTE_NOT_FOUND', 'REFUSED', false],
    [410, 'UPLOAD_EXPIRED', 'EXPIRED', false],
    [422, 'CHECKSUM_MISMATCH', 'CHECKSUM_MISMATCH', false],
    [400, 'INVALID_RANGE', 'REFUSED', false],
  ] as const)('HTTP %i %s is %s, retryable: %s', (status, serverCode, code, retryable) => {
    const error = errorFromAnswer(status, serverCode ? { status: false, error: serverCode, message: 'why', conflict: { start: 0, end: 1 } } : undefined);
    expect(error).toMatchObject({ code, retryable, status, serverCode });
    expect(error.message).toBe(serverCode ? 'why' : `The server answered HTTP ${status}`);
    if (serverCode) expect(error.details).toEqual({ conflict: { start: 0, end: 1 } });
  });

  it('keeps Retry-After', () => {
    expect(errorFromAnswer(503, {}, '7').retryAfterSeconds).toBe(7);
  });
});

describe('retry delays', () => {
  const policy = { retries: 10, retryDelayMs: 100, maxRetryDelayMs: 1000 };

  it('double per retry, with jitter between half and all of it, up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(attempt, policy, undefined, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(attempt, policy, undefined, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });

  it('wait at least what the server asks, within the cap', () => {
    expect(retryDelay(1, policy, 0.5, () => 0)).toBe(500);
    expect(retryDelay(1, policy, 60, () => 0)).toBe(1000);
  });
});

describe('chunk plans', () => {
  it('cut missing ranges at multiples of the chunk size', () => {
    expect(planChunks([{ start: 0, end: 9 }], 4)).toEqual([
      { start: 0, end: 3 },
      { start: 4, end: 7 },
      { start: 8, end: 9 },
    ]);
    expect(planChunks([{ start: 2, end: 5 }, { start: 9, end: 9 }], 4)).toEqual([
      { start: 2, end: 3 },
      { start: 4, end: 5 },
      { start: 9, end: 9 },
    ]);
  });
});

describe('endpoints and algorithms', () => {
  it('normalise the endpoint and refuse what is not http(s)', () => {
    expect(resolveEndpoint('http://host:3000/upload/')).toBe('http://host:3000/upload');
    expect(resolveEndpoint(new URL('https://host/api/upload?x=1'))).toBe('https://host/api/upload');
    expect(() => resolveEndpoint('/upload')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resolveEndpoint('ftp://host/upload')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('name checksums as the server does', () => {
    expect(checksumAlgorithm('SHA-256')).toBe('sha256');
    expect(() => checksumAlgorithm('crc32')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('stores', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frago-store-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('localStorage keeps entries under a prefix and ignores unreadable ones', () => {
    const items = new Map<string, string>();
    const storage: StorageLike = {
      getItem: (key) => items.get(key) ?? null,
      setItem: (key, value) => void items.set(key, value),
      removeItem: (key) => void items.delete(key),
    };
    const store = localStorageStore(storage);
    store.set('a', { uploadId: 'u1', chunkSize: 8, savedAt: 1 });
    expect([...items.keys()]).toEqual(['frago:a']);
    expect(store.get('a')).toEqual({ uploadId: 'u1', chunkSize: 8, savedAt: 1 });
    items.set('frago:b', '{not json');
    items.set('frago:c', '{"uploadId": 3}');
    expect(store.get('b')).toBeUndefined();
    expect(store.get('c')).toBeUndefined();
    store.delete('a');
    expect(items.has('frago:a')).toBe(false);
  });

  it('the state file survives the process, drops old entries and shrugs off a damaged file', async () => {
    const path = join(dir, 'nested', 'uploads.json');
    const now = Date.now();
    await new FileStore(path).set('old', { uploadId: 'u0', chunkSize: 4, savedAt: now - 8 * 24 * 3600_000 });
    const store = new FileStore(path);
    await Promise.all([store.set('a', { uploadId: 'u1', chunkSize: 8, savedAt: now }), store.set('b', { uploadId: 'u2', chunkSize: 8, savedAt: now })]);
    expect(await new FileStore(path).get('a')).toEqual({ uploadId: 'u1', chunkSize: 8, savedAt: now });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      version: 1,
      uploads: { a: { uploadId: 'u1', chunkSize: 8, savedAt: now }, b: { uploadId: 'u2', chunkSize: 8, savedAt: now } },
    });
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    await writeFile(path, 'garbage');
    expect(await store.get('b')).toBeUndefined();
  });

  it('a file source reads ranges and the whole file from disk', async () => {
    const path = join(dir, 'data.bin');
    await writeFile(path, Buffer.from('0123456789'));
    const source = await fileSource(path);
    expect(source).toMatchObject({ name: 'data.bin', size: 10, key: path });
    const collect = async (pieces: AsyncIterable<Uint8Array>) => {
      const parts: Uint8Array[] = [];
      for await (const piece of pieces) parts.push(piece);
      return Buffer.concat(parts).toString();
    };
    expect(await collect(source.slice(3, 6) as AsyncIterable<Uint8Array>)).toBe('3456');
    expect(await collect(source.stream())).toBe('0123456789');
    await expect(fileSource(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'READ_FAILED' });
    await expect(fileSource(dir)).rejects.toMatchObject({ code: 'READ_FAILED' });
  });

  it('a direct part is read, hashed and sent as the same bytes; a large one is read again for sending', async () => {
    const collect = async (body: unknown) => {
      const parts: Uint8Array[] = [];
      for await (const piece of body as AsyncIterable<Uint8Array>) parts.push(piece);
      return Buffer.concat(parts);
    };
    const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
    const bytes = randomBytes(PART_BUFFER_LIMIT + 2);
    const path = join(dir, 'parts.bin');
    await writeFile(path, bytes);
    const source = await fileSource(path);
    const signal = new AbortController().signal;

    const small = await digestPart(source, 5, 1004, signal);
    expect(small.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(small.body as Uint8Array).equals(bytes.subarray(5, 1005))).toBe(true);
    expect(small.md5).toBe(md5(bytes.subarray(5, 1005)));

    const large = await digestPart(source, 1, PART_BUFFER_LIMIT + 1, signal);
    expect(large.md5).toBe(md5(bytes.subarray(1)));
    expect((await collect(large.body)).equals(bytes.subarray(1))).toBe(true);

    await truncate(path, 500);
    await expect(digestPart(source, 5, 1004, signal)).rejects.toMatchObject({ code: 'READ_FAILED' });
  });
});

describe('part URLs bound to MD5s', () => {
  const PART = 1000;
  const answer = (part: number): SignedPartAnswer => ({
    part,
    start: (part - 1) * PART,
    end: part * PART - 1,
    url: `http://store/part/${part}`,
    method: 'PUT',
    headers: {},
    expires_at: new Date(Date.now() + 600_000).toISOString(),
  });

  it('are signed many to a request: the parts asked for meanwhile and the upcoming ones without a URL, up to a batch', async () => {
    const requests: PartToSign[][] = [];
    let upcoming: PartToSign[] = [];
    const urls = new PartUrls(
      async (parts) => {
        requests.push([...parts]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return parts.map((part) => answer(typeof part === 'number' ? part : part.part));
      },
      4,
      new AbortController().signal,
      () => upcoming,
    );
    const signal = new AbortController().signal;
    upcoming = [{ part: 2, md5: 'md5-2' }, { part: 3, md5: 'md5-3' }];
    const first = urls.get(1, 'md5-1', signal);
    await new Promise((resolve) => setTimeout(resolve, 1));
    // Asked for while the first request is on its way: they go together in the next.
    const [fourth, fifth] = [urls.get(4, 'md5-4', signal), urls.get(5, 'md5-5', signal)];
    upcoming = [{ part: 6, md5: 'md5-6' }, { part: 7, md5: 'md5-7' }, { part: 8, md5: 'md5-8' }];
    expect((await first).part).toBe(1);
    expect([(await fourth).part, (await fifth).part]).toEqual([4, 5]);
    expect(requests).toEqual([
      [{ part: 1, md5: 'md5-1' }, { part: 2, md5: 'md5-2' }, { part: 3, md5: 'md5-3' }],
      [{ part: 4, md5: 'md5-4' }, { part: 5, md5: 'md5-5' }, { part: 6, md5: 'md5-6' }, { part: 7, md5: 'md5-7' }],
    ]);
    // Parts signed ahead with the MD5 they were hashed with need no request of their own.
    expect(urls.has(2, 'md5-2')).toBe(true);
    expect((await urls.get(6, 'md5-6', signal)).part).toBe(6);
    expect(requests).toHaveLength(2);
    // Hashed again to another MD5 (its bytes changed), a part is signed again, with the upcoming part still lacking a URL.
    expect(urls.has(2, 'md5-2b')).toBe(false);
    await urls.get(2, 'md5-2b', signal);
    expect(requests[2]).toEqual([{ part: 2, md5: 'md5-2b' }, { part: 8, md5: 'md5-8' }]);
  });
});

describe('parts hashed ahead', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frago-ahead-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 500 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(check()).toBe(true);
  };

  it('are hashed in queue order up to the window, only a few of them kept in memory, the others read again when sent', async () => {
    const PART = 1000;
    const bytes = randomBytes(10 * PART);
    const path = join(dir, 'ahead.bin');
    await writeFile(path, bytes);
    const queue = Array.from({ length: 10 }, (_, n) => ({ start: n * PART, end: (n + 1) * PART - 1 }));
    const stop = new AbortController();
    const signal = new AbortController().signal;
    const ahead = new PartsAhead(await fileSource(path), () => queue, (part) => part.start / PART + 1, 6, 2, async () => undefined, stop.signal);
    const hashed = () => [...ahead.hashed()];
    const expected = (part: number) => ({ part, md5: md5(bytes.subarray((part - 1) * PART, part * PART)) });

    await until(() => hashed().length === 6);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hashed()).toEqual([1, 2, 3, 4, 5, 6].map(expected));

    // The first two hashed hold their bytes; the rest are read from the file again.
    const first = await ahead.take(queue.shift()!, signal);
    expect(first.body).toBeInstanceOf(Uint8Array);
    expect(first.md5).toBe(expected(1).md5);
    ahead.release(queue[0]!);
    const second = queue.shift()!;
    expect((await ahead.take(second, signal)).body).toBeInstanceOf(Uint8Array);
    const third = await ahead.take(queue.shift()!, signal);
    expect(third.body).not.toBeInstanceOf(Uint8Array);
    expect(third.md5).toBe(expected(3).md5);

    // Taking parts made room: the window moves on, and a freed memory slot goes to the next part hashed.
    await until(() => hashed().some((entry) => typeof entry !== 'number' && entry.part === 8));
    ahead.release(second);
    await ahead.settled(0, signal);

    // A part taken again after its release (the next try) is read and hashed afresh.
    await writeFile(path, Buffer.alloc(10 * PART, 7));
    const again = await ahead.take(second, signal);
    expect(again.body).toBeInstanceOf(Uint8Array);
    expect(again.md5).toBe(md5(Buffer.alloc(PART, 7)));
    stop.abort();
  });
});

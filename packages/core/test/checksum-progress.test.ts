import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { inThreadHashers, MemoryRepository, MemoryStorage, type ByteRange, type ChunkQuery, type ChunkRecord, type Hashers } from '@frago/core';
import { threadHashers } from '@frago/core/node';
import { md5, setup } from './support/in-process.js';

const threads = threadHashers({ threads: 2, inlineBytes: 0 });
afterAll(() => threads.close());

/** A memory storage whose reads wait until `open()`: the checksum's catch-up stalls meanwhile. */
class GatedStorage extends MemoryStorage {
  private release = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  open(): void {
    this.release();
  }

  override async *read(key: string, range: ByteRange): AsyncIterable<Uint8Array> {
    await this.gate;
    yield* super.read(key, range);
  }
}

/** A memory repository that notes the most chunk rows one read returned. */
class ReadCountingRepository extends MemoryRepository {
  largestRead = 0;

  override async chunks(uploadId: string, query?: ChunkQuery): Promise<ChunkRecord[]> {
    const chunks = await super.chunks(uploadId, query);
    this.largestRead = Math.max(this.largestRead, chunks.length);
    return chunks;
  }
}

const sleep = (ms: number) => new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms));

describe.each([
  ['in the request thread', inThreadHashers],
  ['on worker threads', threads],
] as Array<[string, Hashers]>)('checksum progress, hashing %s', (_name, hashers) => {
  it('hashes chunks that arrive in order while they arrive, so finalize has nothing left to read', async () => {
    const { start, put, call } = setup({ checksum: { hashers } });
    const data = new Uint8Array(randomBytes(3_000_000));
    const id = await start(data.length);
    for (let offset = 0; offset < data.length; offset += 1_000_000) await put(id, data, offset, offset + 999_999);
    const status = await call('GET', `/${id}/`);
    expect(status.body.checksum_progress).toEqual({ algorithm: 'md5', hashed_bytes: data.length });
    const done = await call('POST', `/${id}/`, { json: { checksum: md5(data) } });
    expect(done.status).toBe(201);
    expect(done.body.checksum).toBe(md5(data));
  });

  it('hashes chunks that arrived out of order once the gap before them is filled', async () => {
    const { start, put, call } = setup({ checksum: { hashers } });
    const data = new Uint8Array(randomBytes(3_000_000));
    const id = await start(data.length);
    await put(id, data, 2_000_000, 2_999_999);
    await put(id, data, 1_000_000, 1_999_999);
    const hashed = async () => (await call('GET', `/${id}/`)).body.checksum_progress.hashed_bytes as number;
    expect(await hashed()).toBe(0);
    await put(id, data, 0, 999_999);
    for (let i = 0; i < 200 && (await hashed()) < data.length; i += 1) await sleep(10);
    expect(await hashed()).toBe(data.length);
    const done = await call('POST', `/${id}/`, { json: {} });
    expect(done.body.checksum).toBe(md5(data));
  });

  it('catches up over hundreds of chunks reading a page of chunk rows at a time', async () => {
    const repository = new ReadCountingRepository();
    const { start, put, call } = setup({ repository, checksum: { hashers } });
    const size = 1_000;
    const data = new Uint8Array(randomBytes(300 * size));
    const id = await start(data.length);
    // Everything but the first chunk: each answer starts a catch-up that stops at the gap.
    for (let offset = size; offset < data.length; offset += size) await put(id, data, offset, offset + size - 1);
    await put(id, data, 0, size - 1);
    // Watched in the repository: the status view would read every chunk row itself.
    const hashed = async () => (await repository.get(id))?.hash.offset;
    for (let i = 0; i < 200 && (await hashed()) !== data.length; i += 1) await sleep(10);
    expect(await hashed()).toBe(data.length);
    // Reading every row on each of the 300 catch-ups would be 45,000 rows; pages keep each read small.
    expect(repository.largestRead).toBeLessThanOrEqual(64);
    const done = await call('POST', `/${id}/`, { json: { checksum: md5(data) } });
    expect(done.status).toBe(201);
  });

  it('answers a chunk only once the checksum is within maxLagBytes of it', async () => {
    const storage = new GatedStorage();
    const { start, put, call } = setup({ storage, checksum: { hashers, maxLagBytes: 0 } });
    const data = new Uint8Array(randomBytes(300_000));
    const id = await start(data.length);
    // After a gap: answered at once, nothing can be hashed yet.
    expect((await put(id, data, 100_000, 199_999)).status).toBe(200);
    // At the frontier: hashed on the way; the catch-up of the chunk after it starts and stalls.
    expect((await put(id, data, 0, 99_999)).status).toBe(200);
    // Contiguous but behind the stalled catch-up: its answer waits for the checksum.
    const last = put(id, data, 200_000, 299_999);
    expect(await Promise.race([last, sleep(200)])).toBe('waiting');
    storage.open();
    expect((await last).status).toBe(200);
    const status = await call('GET', `/${id}/`);
    expect(status.body.checksum_progress.hashed_bytes).toBe(data.length);
    expect((await call('POST', `/${id}/`, { json: { checksum: md5(data) } })).status).toBe(201);
  });

  it('answers at once when the checksum may lag without bound', async () => {
    const storage = new GatedStorage();
    const { start, put, call } = setup({ storage, checksum: { hashers, maxLagBytes: Number.POSITIVE_INFINITY } });
    const data = new Uint8Array(randomBytes(300_000));
    const id = await start(data.length);
    await put(id, data, 100_000, 199_999);
    await put(id, data, 0, 99_999);
    expect((await put(id, data, 200_000, 299_999)).status).toBe(200);
    expect((await call('GET', `/${id}/`)).body.checksum_progress.hashed_bytes).toBe(100_000);
    storage.open();
    const done = await call('POST', `/${id}/`, { json: { checksum: md5(data) } });
    expect(done.status).toBe(201);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriverDatabase, createTestBucket, openTestOrm, type DriverDatabase, type TestBucket, type TestOrm } from '@frago/conformance';
import {
  ANONYMOUS,
  createFrago,
  MemoryRepository,
  type ByteRange,
  type ChecksumAlgorithm,
  type FragoOptions,
  type FragoRequest,
  type Storage,
  type UploadRepository,
} from '@frago/core';
import { threadHashers } from '@frago/core/node';
import { MikroOrmRepository } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import { S3Storage } from '@frago/storage-s3';
import { bitwiseCrc32c, bitwiseCrc64nvme } from './support/bitwise-crc.js';

/** A real storage that notes every range read back from it. */
function countingReads<S extends Storage>(storage: S): S & { readonly reads: ByteRange[] } {
  const reads: ByteRange[] = [];
  const read = storage.read.bind(storage);
  return Object.assign(storage, {
    reads,
    read: (key: string, range: ByteRange) => {
      reads.push({ start: range.start, end: range.end });
      return read(key, range);
    },
  });
}

const ORACLES: Array<[ChecksumAlgorithm, (bytes: Uint8Array) => string]> = [
  ['crc32c', bitwiseCrc32c],
  ['crc64nvme', bitwiseCrc64nvme],
];

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'frago-combinable-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

async function* bytesOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  // In pieces, as a socket hands a body over.
  for (let offset = 0; offset < bytes.length; offset += 16 * 1024) yield bytes.subarray(offset, offset + 16 * 1024);
}

/** frago over the HTTP protocol, in process, on a storage that counts its reads (a disk one unless given). */
function server(options: Partial<FragoOptions> & { storage?: Storage & { readonly reads: ByteRange[] } } = {}) {
  const storage = options.storage ?? countingReads(new DiskStorage({ directory: join(directory, randomBytes(6).toString('hex')) }));
  const repository = options.repository ?? new MemoryRepository();
  const frago = createFrago({ ...options, repository, storage });
  const call = async (method: string, path: string, init: { json?: unknown; body?: Uint8Array; range?: string } = {}) => {
    const json = init.json === undefined ? undefined : new TextEncoder().encode(JSON.stringify(init.json));
    const request: FragoRequest = {
      method,
      path: `/upload${path}`,
      headers: {
        'content-type': json === undefined ? 'application/octet-stream' : 'application/json',
        ...(init.range === undefined ? {} : { 'content-range': init.range }),
      },
      body: (json ?? init.body) === undefined ? null : bytesOf((json ?? init.body)!),
      identity: ANONYMOUS,
    };
    const response = await frago.handle(request);
    return { status: response.status, body: response.body as Record<string, any> };
  };
  const start = async (size: number, algorithm: ChecksumAlgorithm) => {
    const created = await call('POST', '/', { json: { filename: 'f.bin', total_size: size, checksum_algo: algorithm } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.upload_id as string;
  };
  /** Sends the chunks of `data` in the order of `starts`, `chunkSize` bytes each (the last may be shorter). */
  const send = async (id: string, data: Uint8Array, chunkSize: number, starts: readonly number[]) => {
    for (const offset of starts) {
      const end = Math.min(offset + chunkSize, data.length) - 1;
      const answer = await call('PUT', `/${id}/`, { range: `bytes ${offset}-${end}/${data.length}`, body: data.subarray(offset, end + 1) });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
  };
  /** The assembled file's bytes, where the storage put it. */
  const assembled = async (id: string) => new Uint8Array(await readFile((await repository.get(id))!.location!));
  return { frago, storage, repository, call, start, send, assembled };
}

/** Chunk starts, last first: every chunk but the last arrives after a gap. */
const backwards = (size: number, chunkSize: number) =>
  Array.from({ length: Math.ceil(size / chunkSize) }, (_, index) => index * chunkSize).reverse();

describe.each(ORACLES)('%s, combined from the chunks', (algorithm, crc) => {
  const threads = threadHashers({ threads: 1, inlineBytes: 64 * 1024 });
  afterAll(() => threads.close());

  it.each([
    ['in the request thread', undefined],
    ['on worker threads', threads],
  ])('verifies an upload sent backwards without reading a byte back, hashing %s', async (_where, hashers) => {
    const { storage, call, start, send, assembled } = server(hashers === undefined ? {} : { checksum: { hashers } });
    const data = new Uint8Array(randomBytes(200_003));
    const expected = crc(data);
    const id = await start(data.length, algorithm);
    await send(id, data, 20_000, backwards(data.length, 20_000));

    const status = await call('GET', `/${id}/`);
    expect(status.body.checksum_progress).toEqual({ algorithm, hashed_bytes: data.length });
    const done = await call('POST', `/${id}/`, { json: { checksum: expected.toUpperCase() } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ checksum: expected, checksum_algo: algorithm });
    // Disk assembles with a rename: nothing of the file was read back, at any point.
    expect(storage.reads).toEqual([]);
    expect(Buffer.from(await assembled(id)).equals(data)).toBe(true);
  });

  it('answers 422 CHECKSUM_MISMATCH for a wrong checksum and loses nothing: the right one completes', async () => {
    const { call, start, send, assembled } = server();
    const data = new Uint8Array(randomBytes(100_000));
    const id = await start(data.length, algorithm);
    await send(id, data, 16 * 1024, backwards(data.length, 16 * 1024));
    const right = crc(data);
    const wrong = right.replace(/^./, (digit) => (digit === '0' ? '1' : '0'));

    const refused = await call('POST', `/${id}/`, { json: { checksum: wrong } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: false, error: 'CHECKSUM_MISMATCH' });

    const status = await call('GET', `/${id}/`);
    expect(status.body).toMatchObject({ status: 'in_progress', received_bytes: data.length, missing: [] });
    const done = await call('POST', `/${id}/`, { json: { checksum: right } });
    expect(done.status).toBe(201);
    expect(Buffer.from(await assembled(id)).equals(data)).toBe(true);
  });

  it('verifies a 0-byte file', async () => {
    const { call, start } = server();
    const id = await start(0, algorithm);
    const done = await call('POST', `/${id}/`, { json: { checksum: crc(new Uint8Array(0)) } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body.checksum).toBe(crc(new Uint8Array(0)));
  });

  it('verifies chunks of many lengths, sent in a shuffled order, a duplicate among them', async () => {
    const { storage, call, start, assembled } = server();
    const data = new Uint8Array(randomBytes(50_000));
    const ends = [0, 1, 7, 999, 1000, 4095, 12_345, 30_000, 49_998, 49_999];
    const ranges = ends.map((end, index) => ({ start: index === 0 ? 0 : ends[index - 1]! + 1, end }));
    const id = await start(data.length, algorithm);
    for (const { start: from, end } of [...ranges.slice(5), ranges[2]!, ...ranges.slice(0, 5), ranges[7]!]) {
      const answer = await call('PUT', `/${id}/`, { range: `bytes ${from}-${end}/${data.length}`, body: data.subarray(from, end + 1) });
      expect(answer.status).toBe(200);
    }
    const done = await call('POST', `/${id}/`, { json: { checksum: crc(data) } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(storage.reads).toEqual([]);
    expect(Buffer.from(await assembled(id)).equals(data)).toBe(true);
  });
});

it('reads back the file of an out-of-order md5 upload, where the CRCs read nothing', async () => {
  // The counting storage does see reads: what the CRC tests assert the absence of.
  const { storage, call, start, send } = server();
  const data = new Uint8Array(randomBytes(300_000));
  const id = await start(data.length, 'md5');
  await send(id, data, 100_000, backwards(data.length, 100_000));
  const done = await call('POST', `/${id}/`, { json: {} });
  expect(done.status).toBe(201);
  expect(storage.reads.length).toBeGreaterThan(0);
});

it('lets a hashing thread read an out-of-order md5 upload from its file on disk, never through the storage', async () => {
  const threads = threadHashers({ threads: 1, inlineBytes: 64 * 1024 });
  try {
    const { storage, call, start, send, assembled } = server({ checksum: { hashers: threads } });
    const data = new Uint8Array(randomBytes(300_007));
    const id = await start(data.length, 'md5');
    await send(id, data, 100_000, backwards(data.length, 100_000));
    const done = await call('POST', `/${id}/`, { json: { checksum: createHash('md5').update(data).digest('hex') } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    // The bytes behind the first chunk were hashed after it arrived, from the file.
    expect(storage.reads).toEqual([]);
    expect(Buffer.from(await assembled(id)).equals(data)).toBe(true);
  } finally {
    await threads.close();
  }
});

describe('chunks stored by a process that predates the column (rolling upgrade), on SQLite', () => {
  let database: DriverDatabase;
  let orm: TestOrm;
  let repository: UploadRepository;

  beforeAll(async () => {
    database = await createDriverDatabase('sqlite');
    orm = await openTestOrm('sqlite', database.target);
    await orm.migrator.up();
    repository = new MikroOrmRepository(orm);
  });
  afterAll(async () => {
    await orm?.close(true);
    await database?.drop();
  });

  it.each(ORACLES)('%s: finalize reads back exactly the chunks without a value, and verifies', async (algorithm, crc) => {
    const { storage, call, start, send, assembled } = server({ repository });
    const data = new Uint8Array(randomBytes(120_000));
    const id = await start(data.length, algorithm);
    await send(id, data, 30_000, backwards(data.length, 30_000));
    // What an older process leaves: the chunk row, stored, without its value.
    const connection = orm.em.getConnection();
    await connection.execute('update frago_chunk set checksum = null where upload_id = ? and start_byte in (?, ?)', [id, 30_000, 90_000]);

    const status = await call('GET', `/${id}/`);
    expect(status.body.checksum_progress.hashed_bytes).toBe(60_000);
    const done = await call('POST', `/${id}/`, { json: { checksum: crc(data) } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(storage.reads).toEqual([
      { start: 30_000, end: 59_999 },
      { start: 90_000, end: 119_999 },
    ]);
    expect(Buffer.from(await assembled(id)).equals(data)).toBe(true);
  });

  it('keeps each chunk value in its row, as the algorithm names it', async () => {
    const { start, send } = server({ repository });
    const data = new Uint8Array(randomBytes(3000));
    const id = await start(data.length, 'crc32c');
    await send(id, data, 1000, [2000, 0, 1000]);
    const rows = await orm.em.getConnection().execute('select start_byte, checksum from frago_chunk where upload_id = ? order by start_byte', [id]);
    expect(rows.map((row: Record<string, unknown>) => row.checksum)).toEqual(
      [0, 1000, 2000].map((offset) => `crc32c:${bitwiseCrc32c(data.subarray(offset, offset + 1000))}`),
    );
  });
});

describe('on S3, where chunks are staged and joined at finalize', () => {
  let bucket: TestBucket;
  beforeAll(async () => {
    bucket = await createTestBucket();
  });
  afterAll(() => bucket?.drop());

  it.each(ORACLES)('%s: verifies chunks sent backwards without reading anything back from the bucket', async (algorithm, crc) => {
    const storage = countingReads(new S3Storage({ ...bucket.options, partSize: 5 * 1024 * 1024 }));
    const { call, start, send, repository } = server({ storage });
    const data = new Uint8Array(randomBytes(150_000));
    const id = await start(data.length, algorithm);
    await send(id, data, 50_000, backwards(data.length, 50_000));
    const done = await call('POST', `/${id}/`, { json: { checksum: crc(data) } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(storage.reads).toEqual([]);
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: (await repository.get(id))!.location! }));
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(data)).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, type TestBucket } from '@frago/conformance';
import { createFrago, type ByteRange, type ChecksumAlgorithm } from '@frago/core';
import { S3Storage } from '@frago/storage-s3';
import { bitwiseCrc32c, bitwiseCrc64nvme } from './support/bitwise-crc.js';
import { serveWithExpress } from './support/express-target.js';
import { openStack, type Stack } from './support/stack.js';
import { tusJoined } from './support/tus-upload.js';

const MiB = 1024 * 1024;

const ORACLES: Array<[ChecksumAlgorithm, (bytes: Uint8Array) => string]> = [
  ['crc32c', bitwiseCrc32c],
  ['crc64nvme', bitwiseCrc64nvme],
];

describe.each(ORACLES)('a tus final of a server whose default checksum is %s, on Express + sqlite + disk over a socket', (algorithm, crc) => {
  let stack: Stack;
  let server: { origin: string; close: () => Promise<void> };
  /** Ranges read back from the storage, apart from those `join` reads to copy a part into place. */
  const reads: ByteRange[] = [];
  /** Ranges `join` reads to copy a part into place: the disk join moves every part's bytes after the first's. */
  const copies: ByteRange[] = [];

  beforeAll(async () => {
    stack = await openStack('sqlite');
    let joining = false;
    const read = stack.storage.read.bind(stack.storage);
    stack.storage.read = (key: string, range: ByteRange) => {
      (joining ? copies : reads).push({ start: range.start, end: range.end });
      return read(key, range);
    };
    const join = stack.storage.join.bind(stack.storage);
    stack.storage.join = async (...args: Parameters<typeof join>) => {
      joining = true;
      try {
        return await join(...args);
      } finally {
        joining = false;
      }
    };
    const frago = createFrago({
      repository: stack.repository,
      storage: stack.storage,
      tus: true,
      limits: { maxUploadSize: 64 * MiB },
      checksum: { defaultAlgorithm: algorithm },
    });
    server = await serveWithExpress(frago);
  });
  afterAll(async () => {
    await server?.close();
    await stack?.close();
  });

  it('is joined from parallel parts and gets their CRC, combined from the chunk rows without reading a byte back', async () => {
    const bytes = randomBytes(3 * MiB + 11);
    const id = await tusJoined(`${server.origin}/files/`, bytes, 3, { chunkSize: MiB / 2 });

    const [row] = await stack.sql('select status, checksum, checksum_algorithm, location from frago_upload where id = ?', [id]);
    expect(row).toMatchObject({ status: 'complete', checksum_algorithm: algorithm, checksum: crc(bytes) });
    expect(Buffer.from(await stack.readAssembled(String(row?.location))).equals(bytes)).toBe(true);
    // One chunk row per part, each with the part's own value.
    const chunks = await stack.sql('select start_byte, end_byte, checksum from frago_chunk where upload_id = ? order by start_byte', [id]);
    expect(chunks.length).toBe(3);
    for (const chunk of chunks) {
      const part = bytes.subarray(Number(chunk.start_byte), Number(chunk.end_byte) + 1);
      expect(chunk.checksum).toBe(`${algorithm}:${crc(part)}`);
    }
    // Nothing was read for the checksum: only the join's copies of the second and third parts.
    expect(reads).toEqual([]);
    expect(copies).toEqual(chunks.slice(1).map((chunk) => ({ start: 0, end: Number(chunk.end_byte) - Number(chunk.start_byte) })));
  });
});

describe('a tus final of a server whose default checksum is crc32c, on Express + PostgreSQL + S3', () => {
  let stack: Stack;
  let bucket: TestBucket;
  let server: { origin: string; close: () => Promise<void> };
  /** Ranges the server read back through the storage (the S3 join copies through its bucket, not through this). */
  const reads: ByteRange[] = [];

  beforeAll(async () => {
    stack = await openStack('postgresql');
    bucket = await createTestBucket();
    const storage = new S3Storage({ ...bucket.options, partSize: 5 * MiB });
    const read = storage.read.bind(storage);
    storage.read = (key: string, range: ByteRange) => {
      reads.push({ start: range.start, end: range.end });
      return read(key, range);
    };
    const frago = createFrago({ repository: stack.repository, storage, tus: true, checksum: { defaultAlgorithm: 'crc32c' } });
    server = await serveWithExpress(frago);
  });
  afterAll(async () => {
    await server?.close();
    await bucket?.drop();
    await stack?.close();
  });

  it('gets the CRC of the joined object from its parts, reading nothing back', async () => {
    const bytes = randomBytes(11 * MiB + 9);
    const id = await tusJoined(`${server.origin}/files/`, bytes, 3);
    const [row] = await stack.sql('select status, checksum, checksum_algorithm, location from frago_upload where id = ?', [id]);
    expect(row).toMatchObject({ status: 'complete', checksum_algorithm: 'crc32c', checksum: bitwiseCrc32c(bytes) });
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: String(row?.location) }));
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
    expect(reads).toEqual([]);
  });
});

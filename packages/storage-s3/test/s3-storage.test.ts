import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFrago, isFragoError, MemoryRepository, type AssembleTarget, type Frago, type Identity } from '@frago/core';
import { S3Storage } from '../src/index.js';
import { s3Fixture, type S3Fixture } from './_bucket.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const alice: Identity = { kind: 'user', id: 'alice' };

async function* bodyOf(bytes: Uint8Array, piece = 256 * 1024): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += piece) yield bytes.subarray(offset, offset + piece);
}

/** frago on a memory repository and S3 with 5 MiB parts; `clock` moves its time. */
function fragoOn(storage: S3Storage, repository = new MemoryRepository(), clock = { now: Date.now() }): Frago & { repository: MemoryRepository } {
  return { ...createFrago({ repository, storage, now: () => new Date(clock.now) }), repository };
}

async function send(frago: Frago, id: string, bytes: Uint8Array, ranges: ReadonlyArray<readonly [number, number]>): Promise<void> {
  await Promise.all(
    ranges.map(([start, end]) =>
      frago.service.writeChunk(alice, id, {
        range: { start, end, total: bytes.byteLength },
        body: bodyOf(bytes.subarray(start, end + 1)),
      }),
    ),
  );
}

/** Starts an upload of `bytes` and sends it, by default in aligned 5 MiB chunks. */
async function uploadOf(frago: Frago, filename: string, bytes: Uint8Array, ranges = cut(bytes.byteLength, 5 * MiB)) {
  const upload = await frago.service.create(alice, { filename, totalSize: bytes.byteLength });
  await send(frago, upload.id, bytes, ranges);
  return upload;
}

/** Opens `key` for `target` on `storage` and writes `bytes` in chunks of 5 MiB; the chunks as the core would keep them. */
async function openAndWrite(storage: S3Storage, key: string, bytes: Uint8Array, target: AssembleTarget) {
  await storage.create(key, bytes.byteLength, target);
  const chunks = [];
  for (const [start, end] of cut(bytes.byteLength, 5 * MiB)) {
    const written = await storage.write(key, start, bodyOf(bytes.subarray(start, end + 1)), undefined, { end, totalSize: bytes.byteLength });
    chunks.push({ start, end, storageData: written.storageData });
  }
  return chunks;
}

function cut(total: number, size: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < total; start += size) ranges.push([start, Math.min(start + size, total) - 1]);
  return ranges;
}

describe('S3Storage with frago', () => {
  let fixture: S3Fixture;
  let storage: S3Storage;
  beforeEach(async () => {
    fixture = await s3Fixture({ partSize: 5 * MiB });
    storage = fixture.storage;
  });
  afterEach(async () => {
    await fixture.teardown();
  });

  it('proposes the part size as the chunk size, and larger parts for files that would need more than 10,000', () => {
    const frago = fragoOn(storage);
    expect(frago.service.chunkSizeFor(12 * MiB)).toBe(5 * MiB);
    expect(frago.service.chunkSizeFor(100 * 1024 * MiB)).toBe(11 * MiB);
    expect(storage.capabilities.chunkSizeFor?.(10_000 * 5 * MiB + 1)).toBe(6 * MiB);
  });

  it('streams aligned chunks straight into parts, stages nothing, and leaves only the file', async () => {
    const frago = fragoOn(storage);
    const bytes = randomBytes(12 * MiB + 5);

    const upload = await uploadOf(frago, 'video.mp4', bytes, cut(bytes.byteLength, frago.service.chunkSizeFor(bytes.byteLength)));

    const chunks = await frago.repository.chunks(upload.id);
    expect(chunks.map((chunk) => JSON.parse(chunk.storageData ?? 'null'))).toEqual([
      { p: [[1, expect.any(String)]], s: [] },
      { p: [[2, expect.any(String)]], s: [] },
      { p: [[3, expect.any(String)]], s: [] },
    ]);
    const location = `${upload.id}-video.mp4`;
    expect(await fixture.bucket.keys()).toEqual([`incoming/${upload.id}/upload.json`]);
    expect(await fixture.bucket.multipartUploads()).toEqual([location]);

    const result = await frago.service.finalize(alice, upload.id, { checksum: md5(bytes) });

    expect(result.upload).toMatchObject({ status: 'complete', location, checksum: md5(bytes) });
    expect(Buffer.from(await fixture.object(location)).equals(bytes)).toBe(true);
    expect(await fixture.bucket.keys()).toEqual([location]);
    expect(await fixture.bucket.multipartUploads()).toEqual([]);
  });

  it('stages unaligned chunks, joins them at finalize, and leaves only the file', async () => {
    const frago = fragoOn(storage);
    const bytes = randomBytes(11 * MiB + 123);
    const ranges = cut(bytes.byteLength, 3 * MiB + 17).reverse();

    const upload = await uploadOf(frago, 'odd.bin', bytes, ranges);

    const staged = (await fixture.bucket.keys()).filter((key) => key.includes('/staged/'));
    expect(staged.length).toBeGreaterThanOrEqual(ranges.length);
    const result = await frago.service.finalize(alice, upload.id, { checksum: md5(bytes) });
    expect(Buffer.from(await fixture.object(result.upload.location ?? '')).equals(bytes)).toBe(true);
    expect(await fixture.bucket.keys()).toEqual([result.upload.location]);
    expect(await fixture.bucket.multipartUploads()).toEqual([]);
  });

  it('sends the whole parts of a chunk spanning several parts straight in, and stages only its ends', async () => {
    const frago = fragoOn(storage);
    const bytes = randomBytes(13 * MiB);

    const upload = await uploadOf(frago, 'span.bin', bytes, [
      [0, MiB - 1],
      [MiB, 11 * MiB - 1],
      [11 * MiB, 13 * MiB - 1],
    ]);

    const middle = JSON.parse((await frago.repository.chunks(upload.id))[1]?.storageData ?? 'null') as { p: unknown[]; s: unknown[] };
    expect(middle.p).toEqual([[2, expect.any(String)]]);
    expect(middle.s).toEqual([
      [MiB, 5 * MiB - 1, expect.stringContaining('/staged/')],
      [10 * MiB, 11 * MiB - 1, expect.stringContaining('/staged/')],
    ]);
    const result = await frago.service.finalize(alice, upload.id, {});
    expect(result.upload.checksum).toBe(md5(bytes));
    expect(Buffer.from(await fixture.object(result.upload.location ?? '')).equals(bytes)).toBe(true);
    expect(await fixture.bucket.keys()).toEqual([result.upload.location]);
  });

  it('lets another process finalize from what the repository kept', async () => {
    const repository = new MemoryRepository();
    const writer = fragoOn(storage, repository);
    const finalizer = fragoOn(fixture.another(), repository);
    const bytes = randomBytes(7 * MiB);
    const upload = await uploadOf(writer, 'handover.bin', bytes);

    const result = await finalizer.service.finalize(alice, upload.id, { checksum: md5(bytes) });

    expect(Buffer.from(await fixture.object(result.upload.location ?? '')).equals(bytes)).toBe(true);
    expect(await fixture.bucket.keys()).toEqual([result.upload.location]);
  });

  it('keeps the bytes after a checksum mismatch so a retry completes', async () => {
    const frago = fragoOn(storage);
    const bytes = randomBytes(6 * MiB);
    const upload = await uploadOf(frago, 'retry.bin', bytes);

    await expect(frago.service.finalize(alice, upload.id, { checksum: 'ab'.repeat(16) })).rejects.toSatisfy((error) =>
      isFragoError(error, 'CHECKSUM_MISMATCH'),
    );
    const result = await frago.service.finalize(alice, upload.id, { checksum: md5(bytes) });

    expect(Buffer.from(await fixture.object(result.upload.location ?? '')).equals(bytes)).toBe(true);
    expect(await fixture.bucket.keys()).toEqual([result.upload.location]);
  });

  it('refuses to assemble a part overwritten after it was recorded: the ETag in the repository no longer matches', async () => {
    const frago = fragoOn(storage);
    const bytes = randomBytes(6 * MiB);
    const upload = await uploadOf(frago, 'tampered.bin', bytes);
    const listed = await fixture.bucket.client.send(new ListMultipartUploadsCommand({ Bucket: fixture.bucket.name }));
    const [multipart] = listed.Uploads ?? [];
    const other = randomBytes(5 * MiB);
    await fixture.bucket.client.send(
      new UploadPartCommand({ Bucket: fixture.bucket.name, Key: multipart?.Key, UploadId: multipart?.UploadId, PartNumber: 1, Body: other, ContentLength: other.byteLength }),
    );

    await expect(frago.service.finalize(alice, upload.id, {})).rejects.toSatisfy((error) => isFragoError(error, 'STORAGE_FAILED'));

    expect((await frago.repository.get(upload.id))?.status).toBe('in_progress');
    expect((await fixture.bucket.keys()).filter((key) => !key.startsWith('incoming/'))).toEqual([]);
  });

  it('finishes a seal whose process died after CompleteMultipartUpload, before it recorded so', async () => {
    const bytes = randomBytes(7 * MiB);
    const target = { uploadId: 'up-crash', filename: 'crash.bin', totalSize: bytes.byteLength };
    const chunks = await openAndWrite(storage, 'crash', bytes, target);
    await storage.seal('crash', chunks);
    // Put the manifest back as it was before the seal, as if the process had died just then.
    const manifestKey = 'incoming/crash/upload.json';
    const manifest = await fixture.bucket.client.send(new GetObjectCommand({ Bucket: fixture.bucket.name, Key: manifestKey }));
    const open = JSON.stringify({ ...JSON.parse((await manifest.Body?.transformToString()) ?? '{}'), state: 'open' });
    await fixture.bucket.client.send(new PutObjectCommand({ Bucket: fixture.bucket.name, Key: manifestKey, Body: open }));

    const takeover = fixture.another();
    await takeover.seal('crash', chunks);
    const { location } = await takeover.assemble('crash', target);

    expect(Buffer.from(await fixture.object(location)).equals(bytes)).toBe(true);
    expect(await fixture.bucket.keys()).toEqual([location]);
    expect(await fixture.bucket.multipartUploads()).toEqual([]);
  });

  it('seals nothing again in a process that wrote chunks while another process sealed and assembled the upload elsewhere', async () => {
    const bytes = randomBytes(7 * MiB);
    const announced = { uploadId: 'up-moved', filename: 'first.bin', totalSize: bytes.byteLength };
    const chunks = await openAndWrite(storage, 'moved', bytes, announced);
    const other = fixture.another();
    const moved = { ...announced, filename: 'second.bin' };
    await other.seal('moved', chunks);
    const { location } = await other.assemble('moved', moved);

    // This process still holds the manifest it cached open while writing.
    await storage.seal('moved', chunks);
    expect(await storage.assemble('moved', moved)).toEqual({ location });

    expect(location).toBe('up-moved-second.bin');
    expect(Buffer.from(await fixture.object(location)).equals(bytes)).toBe(true);
    expect(await fixture.bucket.keys()).toEqual([location]);
  });

  it('leaves nothing in the bucket after an abort, an expiry, or an abort after a checksum mismatch', async () => {
    const clock = { now: Date.now() };
    const frago = fragoOn(storage, new MemoryRepository(), clock);
    const bytes = randomBytes(8 * MiB);
    const ranges: Array<[number, number]> = [
      [0, 5 * MiB - 1],
      [5 * MiB, 6 * MiB - 1],
    ];
    const aborted = await uploadOf(frago, 'a.bin', bytes, ranges);
    await uploadOf(frago, 'b.bin', bytes, ranges);
    const mismatched = await uploadOf(frago, 'c.bin', bytes);
    await expect(frago.service.finalize(alice, mismatched.id, { checksum: 'ab'.repeat(16) })).rejects.toThrow();
    expect(await fixture.bucket.keys()).toContain(`${mismatched.id}-c.bin`);

    await frago.service.abort(alice, aborted.id);
    await frago.service.abort(alice, mismatched.id);
    clock.now += 2 * 24 * 3600 * 1000;
    // The expired upload and the two aborted uploads' records, kept until their expiry.
    expect(await frago.sweepExpired()).toBe(3);

    expect(await fixture.bucket.keys()).toEqual([]);
    expect(await fixture.bucket.multipartUploads()).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AssembleTarget, ByteRange, ChunkPlacement, JoinedPart, Storage, StorageCapabilities, StoredChunk, WrittenChunk } from '@frago/core';
import { FragoError } from '@frago/core';
import { Bucket, OWNER_METADATA } from './bucket.js';
import { copyObject } from './copy-object.js';
import { joinLayout } from './join-layout.js';
import { S3DirectUploads } from './direct-uploads.js';
import { joinParts } from './join-parts.js';
import { assertSafeKey, KeyLayout } from './keys.js';
import { segmentsOf } from './layout.js';
import { Manifests, type Manifest } from './manifest.js';
import { partSizeFor, resolveOptions, type ResolvedS3StorageOptions, type S3StorageOptions } from './options.js';
import { isNotFound, missingUpload, storageFailure } from './s3-errors.js';
import { RequestBody } from './request-body.js';
import { BodySplitter } from './split-body.js';
import { decodeChunkLocation, encodeChunkLocation, type StagedPiece, type WrittenPart } from './storage-data.js';

/** How many `<uploadId>-<n>-<filename>` names are tried before giving up. */
const NAME_ATTEMPTS = 100;

/**
 * A {@link Storage} on S3 or an S3-compatible store. Each upload is one multipart
 * upload, started when the upload is opened and aimed at the file's final key. A chunk
 * that covers whole parts streams straight into them; any piece of a chunk that covers
 * only part of a part is staged as an object of its own. What each chunk became (part
 * numbers and ETags, staged keys) is returned from {@link S3Storage.write} for the
 * repository to keep, so any process can {@link S3Storage.seal} the upload: staged
 * pieces are joined into their parts, and CompleteMultipartUpload makes the object.
 * Assembling then costs nothing more, unless the file has to move to another name.
 *
 * Keys: `<prefix>incoming/<key>/` holds the upload's manifest and staged pieces while it
 * is in progress; the file ends at `<prefix>[<directory>/]<uploadId>-<filename>`. Aborting,
 * expiring and assembling leave nothing else behind.
 */
export class S3Storage implements Storage {
  /** Proposes the part size as the chunk size, larger for uploads that need bigger parts. */
  readonly capabilities: StorageCapabilities;
  /** Direct uploads: parts sent by clients straight to the bucket with presigned URLs (see {@link S3DirectUploads}). */
  readonly direct: S3DirectUploads;
  /** The options in effect. */
  readonly options: ResolvedS3StorageOptions;
  private readonly bucket: Bucket;
  private readonly keys: KeyLayout;
  private readonly manifests: Manifests;

  /** @throws {FragoError} `STORAGE_FAILED` for options that cannot work. */
  constructor(options: S3StorageOptions) {
    this.options = resolveOptions(options);
    const { partSize } = this.options;
    this.capabilities = { preferredChunkSize: partSize, chunkSizeFor: (totalSize) => partSizeFor(totalSize, partSize) };
    this.bucket = new Bucket(this.options.client, this.options.bucket);
    this.keys = new KeyLayout(this.options.prefix);
    this.manifests = new Manifests(this.bucket, this.keys);
    this.direct = new S3DirectUploads(this.bucket, this.keys, this.manifests, {
      partSize,
      urlLifetimeSeconds: this.options.partUrlLifetime,
      now: () => new Date(),
    });
  }

  /** Resolves when the bucket answers `HeadBucket`; rejects with the client's error (unreachable, no such bucket, denied). */
  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket.name }));
  }

  /** The S3 client in use. */
  get client(): S3Client {
    return this.options.client;
  }

  /**
   * Starts the multipart upload, aimed at the first free name for `target` (or at a key
   * of its own below `incoming/` without one), and stores the upload's manifest.
   * Idempotent: an upload already opened is left as it is.
   *
   * @throws {FragoError} `INVALID_SIZE`, `UPLOAD_TOO_LARGE` (beyond 10,000 parts of 5 GiB),
   * `STORAGE_FAILED` for an invalid key or target, or a failure of the store.
   */
  async create(key: string, totalSize: number, target?: AssembleTarget): Promise<void> {
    assertSafeKey(key);
    if (!Number.isSafeInteger(totalSize) || totalSize < 0) {
      throw new FragoError('INVALID_SIZE', 'The upload size must be a non-negative integer');
    }
    const partSize = partSizeFor(totalSize, this.options.partSize);
    try {
      if ((await this.manifests.load(key)) !== null) return;
      const objectKey = target === undefined ? this.keys.internalObject(key) : (await this.freeName(key, target)).name;
      let uploadId: string | null = null;
      if (totalSize > 0) {
        const created = await this.client.send(
          new CreateMultipartUploadCommand({
            Bucket: this.bucket.name,
            Key: objectKey,
            Metadata: { [OWNER_METADATA]: key },
            ContentType: 'application/octet-stream',
          }),
        );
        uploadId = created.UploadId ?? null;
        if (uploadId === null) throw new Error('CreateMultipartUpload returned no UploadId');
      }
      const announced = target === undefined ? null : { uploadId: target.uploadId, filename: target.filename, directory: target.directory };
      await this.manifests.save(key, { version: 1, uploadId, objectKey, target: announced, totalSize, partSize, state: 'open' });
    } catch (error) {
      throw storageFailure(error, 'Could not open the upload');
    }
  }

  /**
   * Streams `body` into the upload: whole parts go straight into the multipart upload,
   * pieces of parts become staged objects; memory stays at one piece of the body.
   * Resolves with the storage data the repository must keep for the chunk.
   *
   * @throws whatever `body` throws, or the reason of an aborted `signal`, unchanged;
   * {@link FragoError} `INVALID_RANGE` for a range outside the upload; `STORAGE_FAILED`
   * without `placement`, for an unknown or sealed upload, or a failure of the store.
   */
  async write(
    key: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    signal?: AbortSignal,
    placement?: ChunkPlacement,
  ): Promise<WrittenChunk> {
    assertSafeKey(key);
    signal?.throwIfAborted();
    if (placement === undefined) throw new FragoError('STORAGE_FAILED', 'S3Storage needs the placement of every chunk');
    const manifest = await this.manifestIn(key, 'open', 'Could not write the chunk');
    const { end, totalSize } = placement;
    if (!Number.isSafeInteger(offset) || offset < 0 || end < offset || end >= manifest.totalSize || totalSize !== manifest.totalSize) {
      throw new FragoError('INVALID_RANGE', 'Write outside the upload');
    }
    const splitter = new BodySplitter(body);
    const request = new RequestBody(signal);
    const parts: WrittenPart[] = [];
    const staged: StagedPiece[] = [];
    try {
      for (const segment of segmentsOf(offset, end, manifest.partSize, manifest.totalSize)) {
        const length = segment.end - segment.start + 1;
        const Body = request.stream(splitter.take(length));
        if (segment.part !== null) {
          const response = await this.client.send(
            new UploadPartCommand({
              Bucket: this.bucket.name,
              Key: manifest.objectKey,
              UploadId: manifest.uploadId ?? undefined,
              PartNumber: segment.part,
              Body,
              ContentLength: length,
            }),
            { abortSignal: request.signal },
          );
          if (response.ETag === undefined) throw new Error('UploadPart returned no ETag');
          parts.push({ part: segment.part, etag: response.ETag });
        } else {
          const stagedKey = this.keys.staged(key, segment.start, segment.end, randomUUID());
          await this.client.send(
            new PutObjectCommand({ Bucket: this.bucket.name, Key: stagedKey, Body, ContentLength: length }),
            { abortSignal: request.signal },
          );
          staged.push({ start: segment.start, end: segment.end, key: stagedKey });
        }
      }
    } catch (error) {
      if (request.failure !== undefined) throw request.failure.error;
      if (signal?.aborted) throw signal.reason;
      throw storageFailure(error, 'Could not write the chunk');
    }
    return { storageData: encodeChunkLocation({ parts, staged }) };
  }

  /**
   * Makes sealed uploads the bytes of the open upload `key`, without moving a byte now:
   * `key`'s parts are laid out along the uploads' boundaries (see `joinLayout`), and
   * each upload's object becomes one staged piece of `key`, so that sealing `key` copies
   * every part lying in one upload inside the store (UploadPartCopy). Only parts shared
   * by uploads under 5 MiB are downloaded and uploaded again.
   *
   * @throws {FragoError} `STORAGE_FAILED` for an upload not open or a part not sealed,
   * or a failure of the store; `UPLOAD_TOO_LARGE` beyond 10,000 parts.
   */
  async join(key: string, parts: readonly JoinedPart[]): Promise<WrittenChunk[]> {
    assertSafeKey(key);
    const manifest = await this.manifestIn(key, 'open', 'Could not join the uploads');
    const written: WrittenChunk[] = [];
    for (const part of parts) {
      assertSafeKey(part.key);
      const sealed = await this.manifestIn(part.key, 'joined', 'Could not join the uploads');
      const staged = [{ start: part.offset, end: part.offset + part.size - 1, key: sealed.objectKey }];
      written.push({ storageData: encodeChunkLocation({ parts: [], staged }) });
    }
    const layout = joinLayout(parts.map((part) => part.size));
    try {
      await this.manifests.save(key, { ...manifest, layout });
    } catch (error) {
      throw storageFailure(error, 'Could not join the uploads');
    }
    return written;
  }

  /**
   * Joins the chunks into the object (see {@link S3Storage}) and deletes the staged
   * pieces. The object then already has its final key, though the upload is complete
   * only once the core says so. Idempotent, also after a crash half-way, and after
   * {@link S3Storage.assemble} (whose process died before the core recorded the upload
   * complete): with the manifest gone there is nothing to join, and assembling again
   * finds the file.
   *
   * @throws {FragoError} `STORAGE_FAILED` for chunks that do not cover the upload or
   * were not written by this storage, or a failure of the store (an ETag that no longer
   * matches its part included).
   */
  async seal(key: string, chunks: readonly StoredChunk[]): Promise<void> {
    assertSafeKey(key);
    try {
      // The open manifest this process wrote, cached; completing tells when the store
      // moved on (see `completeUpload`). Another process's is read afresh.
      const open = await this.manifests.loadForSeal(key);
      if (open === null || open.state === 'joined') return;
      const manifest = await this.completeUpload(key, open, chunks);
      if (manifest === null) return;
      await this.manifests.save(key, { ...manifest, state: 'joined' });
      // Only chunks written through the server stage pieces; a leftover of a write that
      // failed goes with the rest of the folder when the upload is assembled or deleted.
      if (chunks.some((chunk) => decodeChunkLocation(chunk.storageData).staged.length > 0)) {
        await this.bucket.delete(await this.bucket.list(`${this.keys.incoming(key)}staged/`));
      }
    } catch (error) {
      throw storageFailure(error, 'Could not join the chunks');
    }
  }

  /**
   * Completes the multipart upload of `manifest` from `chunks` and returns the manifest
   * to record sealed, or null when there is nothing left to seal. When the store knows
   * no such multipart upload, the manifest is read afresh: sealed or gone (another
   * process got there first), or still open with the object already ours (a seal that
   * died before recording it).
   */
  private async completeUpload(key: string, manifest: Manifest, chunks: readonly StoredChunk[]): Promise<Manifest | null> {
    if (manifest.uploadId === null) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket.name, Key: manifest.objectKey, Body: '', ContentLength: 0, Metadata: { [OWNER_METADATA]: key } }),
      );
      return manifest;
    }
    try {
      await joinParts(this.bucket, { ...manifest, uploadId: manifest.uploadId }, chunks, this.options.sealConcurrency);
      return manifest;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const stored = await this.manifests.load(key);
      if (stored === null || stored.state === 'joined') return null;
      if ((await this.bucket.head(stored.objectKey))?.owner !== key) throw error;
      return stored;
    }
  }

  /**
   * Streams `range` of a sealed upload.
   *
   * @throws {FragoError} `INVALID_RANGE` for a range outside the upload; `STORAGE_FAILED`
   * for an unknown upload, one not sealed yet, or a failure of the store.
   */
  async *read(key: string, range: ByteRange): AsyncIterable<Uint8Array> {
    assertSafeKey(key);
    const manifest = await this.manifestIn(key, 'joined', 'Could not read the upload');
    if (!Number.isSafeInteger(range.start) || range.start < 0 || range.end < range.start || range.end >= manifest.totalSize) {
      throw new FragoError('INVALID_RANGE', 'Read outside the upload');
    }
    try {
      yield* this.bucket.read(manifest.objectKey, range);
    } catch (error) {
      throw isNotFound(error) ? missingUpload() : storageFailure(error, 'Could not read the upload');
    }
  }

  /**
   * Returns the key of the file. When `target` is the one announced at create, the
   * sealed object is already there; otherwise it is copied inside the store to the first
   * free name for `target` (a cost that grows with the file) and the original removed.
   * Then the manifest and any leftover goes. Never replaces an object of another upload;
   * called again, returns the same key.
   *
   * @throws {FragoError} `STORAGE_FAILED` for an upload that is unknown or not sealed, an
   * invalid target, or a failure of the store.
   */
  async assemble(key: string, target: AssembleTarget): Promise<{ readonly location: string }> {
    assertSafeKey(key);
    try {
      const manifest = this.manifests.takeSealed(key) ?? (await this.manifests.load(key));
      if (manifest === null) {
        const done = await this.findAssembled(key, target);
        if (done === null) throw missingUpload();
        return { location: done };
      }
      if (manifest.state !== 'joined') throw new FragoError('STORAGE_FAILED', 'An S3 upload must be sealed before it is assembled');
      let location = manifest.objectKey;
      if (!sameTarget(manifest.target, target)) {
        const free = await this.freeName(key, target);
        location = free.name;
        if (!free.ours) await copyObject(this.bucket, manifest.objectKey, location, manifest.totalSize, this.options.sealConcurrency);
        await this.bucket.delete([manifest.objectKey]);
      }
      await this.removeIncoming(key);
      return { location };
    } catch (error) {
      throw storageFailure(error, 'Could not assemble the upload');
    }
  }

  /**
   * Aborts the multipart upload and deletes the manifest, the staged pieces and, for an
   * upload sealed but never assembled, its object. Idempotent; never touches an
   * assembled file.
   *
   * @throws {FragoError} `STORAGE_FAILED` for an invalid key or a failure of the store.
   */
  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      const manifest = await this.manifests.load(key);
      if (manifest?.state === 'open' && manifest.uploadId !== null) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket.name, Key: manifest.objectKey, UploadId: manifest.uploadId }))
          .catch((error: unknown) => {
            if (!isNotFound(error)) throw error;
          });
      }
      if (manifest?.state === 'joined') await this.bucket.delete([manifest.objectKey]);
      await this.removeIncoming(key);
    } catch (error) {
      throw storageFailure(error, 'Could not delete the upload');
    }
  }

  /**
   * The manifest of an upload that must be in `state`: for writes (`open`) from the
   * cache when possible, for reads (`joined`) as stored now.
   */
  private async manifestIn(key: string, state: Manifest['state'], failure: string): Promise<Manifest> {
    let manifest: Manifest | null;
    try {
      manifest = state === 'open' ? await this.manifests.loadOpen(key) : await this.manifests.load(key);
    } catch (error) {
      throw storageFailure(error, failure);
    }
    if (manifest === null) throw missingUpload();
    if (manifest.state !== state) {
      throw new FragoError('STORAGE_FAILED', state === 'open' ? 'The upload is sealed and takes no more chunks' : 'An S3 upload can be read once it is sealed');
    }
    return manifest;
  }

  /** Deletes everything below the upload's `incoming/` folder, the manifest last, so that a retry after a crash still finds it. */
  private async removeIncoming(key: string): Promise<void> {
    const manifestKey = this.keys.manifest(key);
    const leftovers = await this.bucket.list(this.keys.incoming(key));
    await this.bucket.delete(leftovers.filter((candidate) => candidate !== manifestKey));
    await this.bucket.delete(leftovers.filter((candidate) => candidate === manifestKey));
    this.manifests.forget(key);
  }

  /** The first name for `target` that is free or already holds this upload's file. */
  private async freeName(key: string, target: AssembleTarget): Promise<{ readonly name: string; readonly ours: boolean }> {
    for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
      const name = this.keys.assembled(target, attempt);
      const existing = await this.bucket.head(name);
      if (existing === null) return { name, ours: false };
      if (existing.owner === key) return { name, ours: true };
    }
    throw new FragoError('STORAGE_FAILED', 'No free name for the assembled file');
  }

  /** The key of this upload's assembled file for `target`, or null. */
  private async findAssembled(key: string, target: AssembleTarget): Promise<string | null> {
    const { name, ours } = await this.freeName(key, target);
    return ours ? name : null;
  }
}

function sameTarget(announced: Manifest['target'], target: AssembleTarget): boolean {
  return (
    announced !== null &&
    announced.uploadId === target.uploadId &&
    announced.filename === target.filename &&
    (announced.directory ?? '') === (target.directory ?? '')
  );
}

import { ListPartsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { DirectPart, DirectUploads, ListedPart, SignedPart } from '@frago/core';
import { FragoError } from '@frago/core';
import type { Bucket } from './bucket.js';
import { assertSafeKey, type KeyLayout } from './keys.js';
import type { Manifests } from './manifest.js';
import { partSizeFor } from './options.js';
import { PartEndpoints } from './part-endpoints.js';
import { QuerySigner } from './query-signer.js';
import { isNotFound, missingUpload, storageFailure } from './s3-errors.js';
import { encodeChunkLocation } from './storage-data.js';
import type { S3Storage } from './s3-storage.js';

/** The longest a presigned URL may live (SigV4's limit). */
const MAX_URL_SECONDS = 7 * 24 * 60 * 60;
const MARKED_LIMIT = 10_000;

/**
 * Direct uploads on S3: each part of the upload's multipart upload is sent by the client
 * with a presigned `UploadPart` URL whose `Content-Length` (and `Content-MD5`, when the
 * client gives it) is signed, so the store refuses any other size or bytes. The URLs are
 * signed by SigV4 code of the storage's own, at the endpoint the SDK resolves for the
 * upload's object. An upload is also marked direct by an empty object below its
 * `incoming/` folder, written with its first URL and removed with the rest of the
 * folder: records kept before the repository stored the mode (`UploadRecord.direct`
 * null), and processes of earlier versions, rely on it.
 */
export class S3DirectUploads implements DirectUploads {
  /** Uploads this process marked already, so that signing does not write the marker again. */
  private readonly marked = new Set<string>();
  private readonly signer = new QuerySigner();
  private readonly endpoints: PartEndpoints;

  /** @internal Made by {@link S3Storage}, which shares its bucket, key layout and manifests. */
  constructor(
    private readonly bucket: Bucket,
    private readonly keys: KeyLayout,
    private readonly manifests: Manifests,
    private readonly settings: { readonly partSize: number; readonly urlLifetimeSeconds: number; readonly now: () => Date },
  ) {
    this.endpoints = new PartEndpoints(bucket);
  }

  partSize(totalSize: number): number {
    return partSizeFor(totalSize, this.settings.partSize);
  }

  /**
   * @throws {FragoError} `INVALID_RANGE` for a part that is not one of the upload's;
   * `STORAGE_FAILED` for an unknown or sealed upload, or a failure of the store.
   */
  async signParts(
    key: string,
    parts: readonly DirectPart[],
    notAfter: Date,
    contentMd5: Readonly<Record<number, string>> = {},
  ): Promise<Array<DirectPart & SignedPart>> {
    assertSafeKey(key);
    const manifest = await this.manifests.loadOpen(key).catch((error: unknown) => {
      throw storageFailure(error, 'Could not sign the parts');
    });
    if (manifest === null) throw missingUpload();
    if (manifest.state !== 'open' || manifest.uploadId === null) throw new FragoError('STORAGE_FAILED', 'The upload takes no more parts');
    for (const part of parts) {
      const start = (part.part - 1) * manifest.partSize;
      const end = Math.min(start + manifest.partSize, manifest.totalSize) - 1;
      if (part.part < 1 || start !== part.start || end !== part.end) throw new FragoError('INVALID_RANGE', 'Not a part of this upload');
    }
    const now = this.settings.now().getTime();
    const until = Math.min(now + this.settings.urlLifetimeSeconds * 1000, notAfter.getTime());
    const expiresInSeconds = Math.min(Math.max(Math.floor((until - now) / 1000), 1), MAX_URL_SECONDS);
    const expiresAt = new Date(now + expiresInSeconds * 1000);
    try {
      await this.mark(key);
      const endpoint = await this.endpoints.of(manifest.objectKey, manifest.uploadId);
      const { config } = this.bucket.client;
      const credentials = await config.credentials();
      // The SDK's own correction of a clock that disagrees with the store's.
      const signedAt = new Date(now + (config.systemClockOffset ?? 0));
      return parts.map((part) => {
        const md5 = contentMd5[part.part];
        const headers: Record<string, string> = { 'content-length': String(part.end - part.start + 1) };
        if (md5 !== undefined) headers['content-md5'] = md5;
        const url = this.signer.sign({
          ...endpoint,
          method: 'PUT',
          query: { partNumber: String(part.part), uploadId: manifest.uploadId ?? '' },
          headers,
          credentials,
          now: signedAt,
          expiresInSeconds,
        });
        return { ...part, url, method: 'PUT', headers, expiresAt };
      });
    } catch (error) {
      throw storageFailure(error, 'Could not sign the parts');
    }
  }

  /** @throws {FragoError} `STORAGE_FAILED` for a failure of the store. */
  async listParts(key: string, known = false): Promise<readonly ListedPart[] | null> {
    assertSafeKey(key);
    try {
      // Only for records kept before the mode was: the mark is what says the upload is direct.
      if (!known && (await this.bucket.head(this.keys.directMarker(key))) === null) return null;
      // An open manifest never changes; a sealed upload's ListParts fails with NoSuchUpload, which lists nothing.
      const manifest = await this.manifests.loadOpen(key);
      if (manifest === null || manifest.state !== 'open' || manifest.uploadId === null) return [];
      const parts: ListedPart[] = [];
      let marker: string | undefined;
      do {
        const page = await this.bucket.client.send(
          new ListPartsCommand({ Bucket: this.bucket.name, Key: manifest.objectKey, UploadId: manifest.uploadId, PartNumberMarker: marker }),
        );
        for (const { PartNumber, Size, ETag } of page.Parts ?? []) {
          if (PartNumber === undefined || Size === undefined || ETag === undefined) continue;
          parts.push({ part: PartNumber, size: Size, etag: ETag, storageData: encodeChunkLocation({ parts: [{ part: PartNumber, etag: ETag }], staged: [] }) });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker !== undefined);
      return parts;
    } catch (error) {
      if (isNotFound(error)) return [];
      throw storageFailure(error, 'Could not list the parts');
    }
  }

  private async mark(key: string): Promise<void> {
    if (this.marked.has(key)) return;
    await this.bucket.client.send(new PutObjectCommand({ Bucket: this.bucket.name, Key: this.keys.directMarker(key), Body: '', ContentLength: 0 }));
    if (this.marked.size >= MARKED_LIMIT) this.marked.clear();
    this.marked.add(key);
  }
}

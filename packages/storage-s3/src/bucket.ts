import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ByteRange } from '@frago/core';
import { mapLimit } from './map-limit.js';
import { isNotFound } from './s3-errors.js';

/** The object metadata key that names the upload an object belongs to. */
export const OWNER_METADATA = 'frago-key';

/** The few object operations the storage needs, on one bucket. */
export class Bucket {
  constructor(
    readonly client: S3Client,
    readonly name: string,
  ) {}

  /** A JSON document, or null when there is no such object. */
  async getJson<T>(key: string): Promise<T | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
      return JSON.parse((await response.Body?.transformToString('utf-8')) ?? 'null') as T;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Writes a small JSON document. */
  async putJson(key: string, value: unknown): Promise<void> {
    const body = JSON.stringify(value);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ContentType: 'application/json', ContentLength: Buffer.byteLength(body) }),
    );
  }

  /** The size and frago owner of an object, or null when there is none. */
  async head(key: string): Promise<{ readonly size: number; readonly owner: string | undefined } | null> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }));
      return { size: response.ContentLength ?? 0, owner: response.Metadata?.[OWNER_METADATA] };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Every key below `prefix`. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  /**
   * Deletes objects, a few at a time. One request per object: the batch call needs a
   * Content-MD5 that some S3-compatible stores insist on and the SDK no longer sends.
   */
  async delete(keys: readonly string[]): Promise<void> {
    await mapLimit(keys, 8, (key) => this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key })));
  }

  /** Streams `range` of an object. */
  async *read(key: string, range: ByteRange): AsyncIterable<Uint8Array> {
    const response = await this.client.send(
      new GetObjectCommand({ Bucket: this.name, Key: key, Range: `bytes=${range.start}-${range.end}` }),
    );
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    if (body === undefined) return;
    yield* body;
  }

  /** The `CopySource` value for an object of this bucket. */
  copySource(key: string): string {
    return `${this.name}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }
}

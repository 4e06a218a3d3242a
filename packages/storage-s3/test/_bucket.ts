import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createTestBucket, type TestBucket } from '@frago/conformance';
import { S3Storage, type S3StorageOptions } from '../src/index.js';

/** A fresh bucket with an S3Storage on it, and a way to read objects back by the SDK alone. */
export interface S3Fixture {
  readonly bucket: TestBucket;
  readonly storage: S3Storage;
  /** Another storage on the same bucket: as far as S3 can tell, another process. */
  another(): S3Storage;
  /** The bytes of an object, read with GetObject. */
  object(key: string): Promise<Uint8Array>;
  teardown(): Promise<void>;
}

/** Opens an {@link S3Fixture}; `options` are added to the bucket's. */
export async function s3Fixture(options: Partial<S3StorageOptions> = {}): Promise<S3Fixture> {
  const bucket = await createTestBucket();
  const make = () => new S3Storage({ ...bucket.options, ...options });
  return {
    bucket,
    storage: make(),
    another: make,
    async object(key) {
      const response = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
    },
    teardown: () => bucket.drop(),
  };
}

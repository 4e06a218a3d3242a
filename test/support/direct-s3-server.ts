import { createFrago, type Frago, type FragoOptions, type FragoProtocols } from '@frago/core';
import { createTestBucket, type TestBucket } from '@frago/conformance';
import { S3Storage, type S3StorageOptions } from '@frago/storage-s3';
import { serveWithExpress } from './express-target.js';
import { openStack, type Stack } from './stack.js';

/** Express, PostgreSQL and a fresh bucket on the S3 test server, for direct uploads. */
export interface DirectS3Server {
  readonly stack: Stack;
  readonly bucket: TestBucket;
  readonly frago: Frago;
  readonly origin: string;
  /** Ids of the uploads `upload:completed` announced. */
  readonly completed: string[];
  close(): Promise<void>;
}

/**
 * Starts it, the storage's parts `partSize` bytes, with `options` for `createFrago` and
 * `storage` over the bucket's options for the S3 storage (another `endpoint`, say).
 */
export async function startDirectS3Server(
  partSize: number,
  options: Partial<Omit<FragoOptions, 'repository' | 'storage'>> & FragoProtocols = {},
  storage: Partial<S3StorageOptions> = {},
): Promise<DirectS3Server> {
  const stack = await openStack('postgresql');
  const bucket = await createTestBucket();
  const frago = createFrago({ ...options, repository: stack.repository, storage: new S3Storage({ ...bucket.options, ...storage, partSize }) });
  const completed: string[] = [];
  frago.events.on('upload:completed', ({ upload }) => completed.push(upload.id));
  const server = await serveWithExpress(frago);
  return {
    stack,
    bucket,
    frago,
    origin: server.origin,
    completed,
    async close() {
      await server.close();
      await bucket.drop();
      await stack.close();
    },
  };
}

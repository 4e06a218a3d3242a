import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The S3-compatible server the global setup found or started, or why there is none. */
    fragoS3: { readonly endpoint: string } | { readonly error: string };
  }
}

/** The test server's credentials (Swift tempauth's `test:tester`). */
export const TEST_S3_CREDENTIALS = { accessKeyId: 'test:tester', secretAccessKey: 'testing' } as const;

/**
 * The endpoint of the test S3 server.
 *
 * @throws {Error} with the reason when the global setup found no server: S3 tests must
 *   fail then, never skip.
 */
export function testS3Endpoint(): string {
  const s3 = inject('fragoS3');
  if ('error' in s3) throw new Error(s3.error);
  return s3.endpoint;
}

/** A throw-away bucket on the test S3 server. */
export interface TestBucket {
  readonly name: string;
  readonly endpoint: string;
  readonly client: S3Client;
  /** Options for `S3Storage` on this bucket. */
  readonly options: {
    readonly bucket: string;
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: typeof TEST_S3_CREDENTIALS;
    readonly forcePathStyle: true;
  };
  /** Every object key in the bucket (ListObjectsV2), sorted. */
  keys(): Promise<string[]>;
  /** The keys of every multipart upload still open in the bucket (ListMultipartUploads). */
  multipartUploads(): Promise<string[]>;
  /** Empties and deletes the bucket. Idempotent. */
  drop(): Promise<void>;
}

/** An S3 client for the test server, with the settings S3-compatible stores need. */
export function testS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: TEST_S3_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Creates a fresh, empty bucket on the test S3 server.
 *
 * @throws {Error} naming the server when it is missing or refuses.
 */
export async function createTestBucket(): Promise<TestBucket> {
  const endpoint = testS3Endpoint();
  const client = testS3Client(endpoint);
  const name = `frago-test-${randomBytes(6).toString('hex')}`;
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (cause) {
    throw new Error(`S3 server at ${endpoint}: ${(cause as Error).message}`, { cause });
  }
  const keys = async () => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key) found.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found.sort();
  };
  const uploads = async () => {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: name }));
    return (page.Uploads ?? []).map((upload) => ({ key: upload.Key ?? '', id: upload.UploadId ?? '' }));
  };
  let dropped: Promise<void> | undefined;
  return {
    name,
    endpoint,
    client,
    options: { bucket: name, endpoint, region: 'us-east-1', credentials: TEST_S3_CREDENTIALS, forcePathStyle: true },
    keys,
    multipartUploads: async () => (await uploads()).map((upload) => upload.key).sort(),
    drop: () =>
      (dropped ??= (async () => {
        for (const upload of await uploads()) {
          await client.send(new AbortMultipartUploadCommand({ Bucket: name, Key: upload.key, UploadId: upload.id }));
        }
        for (const key of await keys()) await client.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
        await client.send(new DeleteBucketCommand({ Bucket: name }));
      })()),
  };
}

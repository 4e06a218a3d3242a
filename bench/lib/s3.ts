import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The local S3 server's credentials (scripts/s3.sh). */
export const S3_CREDENTIALS = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };

/**
 * The S3 server to measure against: FRAGO_TEST_S3_ENDPOINT, else the local one, started
 * by scripts/s3.sh when it is not running (the script answers at once when it is).
 *
 * @throws when the script cannot start it: the run stops there, it does not skip S3.
 */
export function s3Endpoint(): string {
  if (process.env.FRAGO_TEST_S3_ENDPOINT) return process.env.FRAGO_TEST_S3_ENDPOINT;
  const endpoint = execFileSync('bash', [join(ROOT, 'scripts/s3.sh'), 'start'], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  if (!endpoint.startsWith('http')) throw new Error(`scripts/s3.sh start printed no endpoint: ${endpoint}`);
  return endpoint;
}

/** An SDK client of the S3 server at `endpoint`, with the checksums the test server takes (none beyond Content-MD5). */
export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: S3_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Runs `task(0)` to `task(count - 1)`, `parallel` at a time, each worker taking the next index. */
export async function inParallel(count: number, parallel: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * The anchor: the plain AWS SDK's multipart upload of `size` bytes of `path` to `key`,
 * `partSize` parts `parallel` at a time (each part streamed from the file), then
 * CompleteMultipartUpload. Resolves with the time it took, in milliseconds.
 */
export async function plainSdkUpload(
  client: S3Client,
  bucket: string,
  key: string,
  path: string,
  size: number,
  { partSize, parallel }: { readonly partSize: number; readonly parallel: number },
): Promise<number> {
  const began = performance.now();
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts: { PartNumber: number; ETag: string | undefined }[] = [];
  await inParallel(Math.ceil(size / partSize), parallel, async (index) => {
    const start = index * partSize;
    const length = Math.min(partSize, size - start);
    const Body = createReadStream(path, { start, end: start + length - 1 });
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body, ContentLength: length }));
    parts[index] = { PartNumber: index + 1, ETag };
  });
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  return performance.now() - began;
}

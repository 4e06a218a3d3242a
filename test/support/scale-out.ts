import { join } from 'node:path';
import type { TestBucket } from '@frago/conformance';
import { ROOT } from './server-process.js';

/** The built scale-out server (Express + PostgreSQL + S3 or a shared folder). */
export const SCALE_OUT_SERVER = join(ROOT, 'examples/scale-out-server/dist/server.js');

const MiB = 1024 * 1024;

/** The scale-out server's settings for storing in `bucket` with 5 MiB parts. */
export function s3ServerEnv(bucket: TestBucket): Record<string, string> {
  return {
    FRAGO_STORAGE: 's3',
    FRAGO_S3_BUCKET: bucket.name,
    FRAGO_S3_ENDPOINT: bucket.endpoint,
    FRAGO_S3_ACCESS_KEY_ID: bucket.options.credentials.accessKeyId,
    FRAGO_S3_SECRET_ACCESS_KEY: bucket.options.credentials.secretAccessKey,
    FRAGO_S3_PATH_STYLE: '1',
    FRAGO_S3_PART_SIZE: String(5 * MiB),
  };
}

/**
 * Everything in `bucket` that belongs to no finished file: objects below `incoming/`
 * (manifests, staged pieces) and open multipart uploads (ListObjectsV2 and
 * ListMultipartUploads).
 */
export async function bucketLeftovers(bucket: TestBucket): Promise<string[]> {
  return [
    ...(await bucket.keys()).filter((key) => key.startsWith('incoming/')),
    ...(await bucket.multipartUploads()).map((key) => `multipart upload of ${key}`),
  ];
}

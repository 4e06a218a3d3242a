import { S3Client } from '@aws-sdk/client-s3';
import { FragoError } from '@frago/core';

const MiB = 1024 * 1024;
/** S3's smallest part, except the last one. */
export const MIN_PART_SIZE = 5 * MiB;
/** S3's largest part. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;
/** S3's most parts in one multipart upload. */
export const MAX_PARTS = 10_000;

/** Options of {@link S3Storage}. */
export interface S3StorageOptions {
  /** The bucket; it must exist. */
  readonly bucket: string;
  /** Prepended to every object key, e.g. `uploads/`. Default none. */
  readonly prefix?: string;
  /**
   * The part size, which is also the chunk size proposed to clients: a chunk that covers
   * exactly one part (or several) goes straight into the multipart upload. Default
   * 8 MiB; at least 5 MiB. Uploads too large for 10,000 parts of this size use larger
   * parts (rounded up to whole MiB), and clients are told so when they start.
   */
  readonly partSize?: number;
  /**
   * How long a presigned part URL of a direct upload is valid, in seconds; never past the
   * upload's expiry. Default 900 (15 minutes).
   */
  readonly partUrlLifetime?: number;
  /** How many parts {@link S3Storage.seal} builds at once from staged chunks. Default 4. */
  readonly sealConcurrency?: number;
  /**
   * A client of your own (say with your retry or HTTP settings). When given, `endpoint`,
   * `region`, `credentials` and `forcePathStyle` are ignored.
   */
  readonly client?: S3Client;
  /** The service's URL, for S3-compatible stores (`http://127.0.0.1:8480`). Default AWS. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Default: the SDK's credential chain (environment, profile, instance role ...). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Address buckets as `endpoint/bucket/key` rather than `bucket.endpoint/key`; most S3-compatible stores need it. Default false. */
  readonly forcePathStyle?: boolean;
}

/** {@link S3StorageOptions} with every default applied. */
export interface ResolvedS3StorageOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly partSize: number;
  readonly sealConcurrency: number;
  readonly partUrlLifetime: number;
}

/**
 * Applies the defaults of {@link S3StorageOptions} and makes the client when none is given.
 *
 * @throws {FragoError} `STORAGE_FAILED` for options that cannot work.
 */
export function resolveOptions(options: S3StorageOptions): ResolvedS3StorageOptions {
  if (typeof options.bucket !== 'string' || options.bucket === '') {
    throw new FragoError('STORAGE_FAILED', 'S3Storage needs a bucket');
  }
  const partSize = options.partSize ?? 8 * MiB;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new FragoError('STORAGE_FAILED', 'partSize must be a whole number of bytes from 5 MiB to 5 GiB');
  }
  const sealConcurrency = options.sealConcurrency ?? 4;
  if (!Number.isSafeInteger(sealConcurrency) || sealConcurrency < 1) {
    throw new FragoError('STORAGE_FAILED', 'sealConcurrency must be a positive integer');
  }
  const partUrlLifetime = options.partUrlLifetime ?? 900;
  if (!Number.isSafeInteger(partUrlLifetime) || partUrlLifetime < 1 || partUrlLifetime > 7 * 24 * 3600) {
    throw new FragoError('STORAGE_FAILED', 'partUrlLifetime must be a whole number of seconds from 1 to 604800 (7 days)');
  }
  const client =
    options.client ??
    new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? false,
      // Flexible checksums would send streamed parts with aws-chunked trailers, which
      // many S3-compatible stores refuse; S3 checks Content-Length and the part ETags.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  return { client, bucket: options.bucket, prefix: options.prefix ?? '', partSize, sealConcurrency, partUrlLifetime };
}

/**
 * The part size for an upload of `totalSize` bytes: `partSize`, or the smallest whole
 * number of MiB that fits the upload into 10,000 parts.
 *
 * @throws {FragoError} `UPLOAD_TOO_LARGE` beyond 10,000 parts of 5 GiB.
 */
export function partSizeFor(totalSize: number, partSize: number): number {
  const needed = Math.ceil(totalSize / MAX_PARTS / MiB) * MiB;
  const size = Math.max(partSize, needed);
  if (size > MAX_PART_SIZE) throw new FragoError('UPLOAD_TOO_LARGE', 'The file is too large for one S3 object');
  return size;
}

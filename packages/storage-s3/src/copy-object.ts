import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { Bucket } from './bucket.js';
import { partCount, partRange } from './layout.js';
import { mapLimit } from './map-limit.js';
import { MAX_PART_SIZE, MAX_PARTS } from './options.js';

/**
 * Copies an object inside the bucket, metadata included: one CopyObject up to 5 GiB,
 * above that a multipart copy (UploadPartCopy), which is what S3 allows. No byte passes
 * through this process either way.
 */
export async function copyObject(bucket: Bucket, from: string, to: string, size: number, concurrency: number): Promise<void> {
  const CopySource = bucket.copySource(from);
  if (size <= MAX_PART_SIZE) {
    await bucket.client.send(new CopyObjectCommand({ Bucket: bucket.name, Key: to, CopySource, MetadataDirective: 'COPY' }));
    return;
  }
  const source = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.name, Key: from }));
  const created = await bucket.client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket.name, Key: to, Metadata: source.Metadata, ContentType: source.ContentType }),
  );
  const UploadId = created.UploadId;
  const partSize = Math.max(512 * 1024 * 1024, Math.ceil(size / MAX_PARTS));
  try {
    const numbers = Array.from({ length: partCount(size, partSize) }, (_, index) => index + 1);
    const parts = await mapLimit(numbers, concurrency, async (PartNumber) => {
      const range = partRange(PartNumber, partSize, size);
      const response = await bucket.client.send(
        new UploadPartCopyCommand({ Bucket: bucket.name, Key: to, UploadId, PartNumber, CopySource, CopySourceRange: `bytes=${range.start}-${range.end}` }),
      );
      return { PartNumber, ETag: response.CopyPartResult?.ETag };
    });
    await bucket.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket.name, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await bucket.client.send(new AbortMultipartUploadCommand({ Bucket: bucket.name, Key: to, UploadId })).catch(() => undefined);
    throw error;
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, type TestBucket } from '@frago/conformance';
import { createFrago, type Frago } from '@frago/core';
import { S3Storage } from '@frago/storage-s3';
import { serveWithExpress } from './support/express-target.js';
import { openStack, type Stack } from './support/stack.js';
import { tusJoined, tusUpload } from './support/tus-upload.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('tus concatenation on PostgreSQL and S3, with the real tus-js-client', () => {
  let stack: Stack;
  let bucket: TestBucket;
  let frago: Frago;
  let server: { origin: string; close: () => Promise<void> };

  /** Every request the storage's S3 client sent: the command and the object key it named. */
  const sent: Array<{ command: string; key: string | undefined }> = [];
  const sentFor = (key: unknown) => sent.filter((request) => request.key === key).map((request) => request.command);

  beforeAll(async () => {
    stack = await openStack('postgresql');
    bucket = await createTestBucket();
    const storage = new S3Storage({ ...bucket.options, partSize: 5 * MiB });
    storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ command: context.commandName ?? '', key: (args.input as { Key?: string }).Key });
        return next(args);
      },
      { step: 'initialize', name: 'recordRequests' },
    );
    frago = createFrago({ repository: stack.repository, storage, tus: true });
    server = await serveWithExpress(frago);
  });
  afterAll(async () => {
    await server?.close();
    await bucket?.drop();
    await stack?.close();
  });

  it('joins parts sent in parallel (parallelUploads: 3) into one object, byte-identical, and leaves nothing else in the bucket', async () => {
    const bytes = randomBytes(11 * MiB + 9);
    const id = await tusJoined(`${server.origin}/files/`, bytes, 3);
    const status = (await (await fetch(`${server.origin}/upload/${id}/`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'complete', total_size: bytes.length, checksum: md5(bytes) });
    const [row] = await stack.sql('select location from frago_upload where id = ?', [id]);
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: String(row?.location) }));
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
    const open = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.name }));
    expect(open.Uploads ?? []).toEqual([]);
    const objects = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.name }));
    expect((objects.Contents ?? []).map((entry) => entry.Key)).toEqual([row?.location]);
    // Parts under S3's 5 MiB minimum cannot be copied into parts of their own: the first two
    // share one part, whose bytes pass through the server; the last may be small and is copied.
    expect(sentFor(row?.location).filter((command) => command.startsWith('UploadPart'))).toEqual(['UploadPartCommand', 'UploadPartCopyCommand']);
  });

  it('joins parts of 5 MiB or more by copying them inside the store (UploadPartCopy), one part each', async () => {
    const bytes = randomBytes(16 * MiB + 5);
    const run = await tusUpload(bytes, { endpoint: `${server.origin}/files/`, parallelUploads: 3, metadata: { filename: 'copied.bin' } });
    expect(run.outcome).toBe('success');
    const id = run.url.split('/').pop() ?? '';
    const [row] = await stack.sql('select location, checksum from frago_upload where id = ?', [id]);
    expect(row?.checksum).toBe(md5(bytes));
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: String(row?.location) }));
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
    const parts = sentFor(row?.location).filter((command) => command.startsWith('UploadPart') || command.startsWith('CompleteMultipart'));
    expect(parts).toEqual(['UploadPartCopyCommand', 'UploadPartCopyCommand', 'UploadPartCopyCommand', 'CompleteMultipartUploadCommand']);
  });
});

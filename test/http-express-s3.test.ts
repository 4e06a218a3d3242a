import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createFrago } from '@frago/core';
import { createTestBucket, describeHttpConformance } from '@frago/conformance';
import { S3Storage } from '@frago/storage-s3';
import { serveWithExpress } from './support/express-target.js';
import { openStack } from './support/stack.js';

// The whole HTTP API on S3: small chunks all go through staging, finalize joins them.
describeHttpConformance('Express, PostgreSQL and S3', async (options) => {
  const stack = await openStack('postgresql');
  const bucket = await createTestBucket();
  const frago = createFrago({ repository: stack.repository, storage: new S3Storage({ ...bucket.options, partSize: 5 * 1024 * 1024 }), ...options });
  const server = await serveWithExpress(frago);
  return {
    origin: server.origin,
    frago,
    repository: stack.repository,
    async readAssembled(location) {
      const response = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: location }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
    },
    isInsideStorage: (location) => !location.startsWith('/') && !location.startsWith('incoming/') && !location.split('/').includes('..'),
    close: async () => {
      await server.close();
      await bucket.drop();
      await stack.close();
    },
  };
});

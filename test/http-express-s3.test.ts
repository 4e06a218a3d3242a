import { createServer } from 'node:http';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import express from 'express';
import { createFrago } from '@frago/core';
import { createTestBucket, describeHttpConformance, listen, testIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { S3Storage } from '@frago/storage-s3';
import { openStack } from './support/stack.js';

// The whole HTTP API on S3: small chunks all go through staging, finalize joins them.
describeHttpConformance('Express, PostgreSQL and S3', async (options) => {
  const stack = await openStack('postgres');
  const bucket = await createTestBucket();
  const frago = createFrago({ repository: stack.repository, storage: new S3Storage({ ...bucket.options, partSize: 5 * 1024 * 1024 }), ...options });
  const app = express();
  app.use(fragoExpress(frago, { identify: (req) => testIdentity(req.headers[TEST_USER_HEADER]) }));
  const server = await listen(createServer(app));
  return {
    origin: server.origin,
    frago,
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

import { createServer } from 'node:http';
import express from 'express';
import { createFrago, MemoryRepository, MemoryStorage } from '@frago/core';
import { describeHttpConformance, listen, memoryFiles, testIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { fragoExpress } from '@frago/express';

describeHttpConformance('Express, memory repository and storage', async (options) => {
  const storage = new MemoryStorage();
  const frago = createFrago({ repository: new MemoryRepository(), storage, ...options });
  const app = express();
  app.use(express.json());
  app.use(fragoExpress(frago, { identify: (req) => testIdentity(req.headers[TEST_USER_HEADER]) }));
  const server = await listen(createServer(app));
  return { origin: server.origin, frago, ...memoryFiles(storage), close: server.close };
});

import { createServer } from 'node:http';
import express from 'express';
import { createFrago } from '@frago/core';
import { describeHttpConformance, listen, testIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { openStack } from './support/stack.js';

for (const database of ['sqlite', 'postgres'] as const) {
  describeHttpConformance(`Express, ${database} and disk`, async (options) => {
    const stack = await openStack(database);
    const frago = createFrago({ repository: stack.repository, storage: stack.storage, ...options });
    const app = express();
    app.use(fragoExpress(frago, { identify: (req) => testIdentity(req.headers[TEST_USER_HEADER]) }));
    const server = await listen(createServer(app));
    return {
      origin: server.origin,
      frago,
      readAssembled: stack.readAssembled,
      isInsideStorage: stack.isInsideStorage,
      snapshot: stack.snapshot,
      secrets: stack.secrets,
      close: async () => {
        await server.close();
        await stack.close();
      },
    };
  });
}

import { createFrago } from '@frago/core';
import { describeHttpConformance } from '@frago/conformance';
import { serveWithExpress } from './support/express-target.js';
import { openStack } from './support/stack.js';

for (const database of ['sqlite', 'postgres'] as const) {
  describeHttpConformance(`Express, ${database} and disk`, async (options) => {
    const stack = await openStack(database);
    const frago = createFrago({ repository: stack.repository, storage: stack.storage, ...options });
    const server = await serveWithExpress(frago);
    return {
      origin: server.origin,
      frago,
      readAssembled: stack.readAssembled,
      isInsideStorage: stack.isInsideStorage,
      close: async () => {
        await server.close();
        await stack.close();
      },
    };
  });
}

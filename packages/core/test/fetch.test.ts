import { createFrago, fragoFetch, MemoryRepository, MemoryStorage } from '@frago/core';
import { describeHttpConformance, fetchServer, listen, memoryFiles, testIdentity, TEST_USER_HEADER } from '@frago/conformance';

describeHttpConformance('Fetch handler on a node:http bridge, memory repository and storage', async (options) => {
  const storage = new MemoryStorage();
  const repository = new MemoryRepository();
  const frago = createFrago({ repository, storage, ...options });
  const handler = fragoFetch(frago, { identify: (request) => testIdentity(request.headers.get(TEST_USER_HEADER) ?? undefined, request.headers.get('origin')) });
  const server = await listen(fetchServer(handler));
  return { origin: server.origin, frago, repository, ...memoryFiles(storage), close: server.close };
});

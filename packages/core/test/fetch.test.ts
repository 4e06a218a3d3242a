import { createFrago, fragoFetch, MemoryRepository, MemoryStorage } from '@frago/core';
import { describeHttpConformance, fetchServer, listen, memoryFiles, testRequestIdentity } from '@frago/conformance';

describeHttpConformance('Fetch handler on a node:http bridge, memory repository and storage', async (options) => {
  const storage = new MemoryStorage();
  const repository = new MemoryRepository();
  const frago = createFrago({ repository, storage, ...options });
  const server = await listen(fetchServer(fragoFetch(frago, { identify: testRequestIdentity })));
  return { origin: server.origin, frago, repository, ...memoryFiles(storage), close: server.close };
});

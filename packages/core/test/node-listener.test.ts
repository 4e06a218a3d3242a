import { createServer } from 'node:http';
import { createFrago, MemoryRepository, MemoryStorage } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { describeHttpConformance, listen, memoryFiles, testNodeIdentity } from '@frago/conformance';

describeHttpConformance('plain node:http, memory repository and storage', async (options) => {
  const storage = new MemoryStorage();
  const repository = new MemoryRepository();
  const frago = createFrago({ repository, storage, ...options });
  const listener = createNodeListener(frago.handle, { identify: testNodeIdentity });
  const server = await listen(createServer((req, res) => void listener(req, res)));
  return { origin: server.origin, frago, repository, ...memoryFiles(storage), close: server.close };
});

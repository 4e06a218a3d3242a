import { MemoryStorage } from '@frago/core';
import { describeStorageConformance } from '@frago/conformance';

describeStorageConformance('MemoryStorage', async () => {
  const storage = new MemoryStorage();
  return {
    storage,
    async readAssembled(location) {
      const bytes = storage.file(location);
      if (bytes === undefined) throw new Error(`No assembled file at ${location}`);
      return bytes;
    },
    async teardown() {},
  };
});

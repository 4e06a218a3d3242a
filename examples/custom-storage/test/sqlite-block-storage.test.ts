import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStorageConformance } from '@frago/testing';
import { SqliteBlockStorage } from '../src/index.js';

// This is all a storage author needs: a fresh storage per test, and a way to read an
// assembled file back by the storage's own means.
describeStorageConformance('SqliteBlockStorage', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'frago-blocks-'));
  const storage = new SqliteBlockStorage({ filename: join(folder, 'blocks.sqlite'), blockSize: 4096 });
  return {
    storage,
    readAssembled: (location) => storage.readFile(location),
    async teardown() {
      storage.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
});

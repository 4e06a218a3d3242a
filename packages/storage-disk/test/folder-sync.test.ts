import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SharedFolderSync, syncDirectory } from '../src/sync.js';

/** A folder sync that records when each sync starts and ends only when told to. */
function controlledSync() {
  const started: string[] = [];
  const finishers: Array<() => void> = [];
  const sync = (path: string) => {
    started.push(path);
    return new Promise<void>((resolve) => finishers.push(resolve));
  };
  const finishNext = async () => {
    finishers.shift()?.();
    // Let the waiting callers and the next sync move on.
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  };
  return { started, sync, finishNext };
}

describe('SharedFolderSync', () => {
  it('gives callers that ask together one sync', async () => {
    const { started, sync, finishNext } = controlledSync();
    const folders = new SharedFolderSync(sync);
    const calls = [folders.sync('/a'), folders.sync('/a'), folders.sync('/a')];
    await Promise.resolve();
    expect(started).toEqual(['/a']);
    await finishNext();
    await Promise.all(calls);
    expect(started).toEqual(['/a']);
  });

  it('gives a caller that asks during a sync a new sync that starts after it, shared with the others that wait', async () => {
    const { started, sync, finishNext } = controlledSync();
    const folders = new SharedFolderSync(sync);
    const first = folders.sync('/a');
    await Promise.resolve();
    const settled: string[] = [];
    const later = [folders.sync('/a'), folders.sync('/a')].map((call) => call.then(() => settled.push('later')));
    await Promise.resolve();
    // The running sync may have missed what the later callers changed: they wait for the next one.
    expect(started).toEqual(['/a']);
    await finishNext();
    await first;
    expect(settled).toEqual([]);
    expect(started).toEqual(['/a', '/a']);
    await finishNext();
    await Promise.all(later);
    expect(started).toEqual(['/a', '/a']);
  });

  it('keeps folders apart and passes a failure to every caller that shared the sync', async () => {
    const started: string[] = [];
    const folders = new SharedFolderSync(async (path) => {
      started.push(path);
      if (path === '/broken') throw new Error('EIO');
    });
    const results = await Promise.allSettled([folders.sync('/broken'), folders.sync('/broken'), folders.sync('/fine')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(started.sort()).toEqual(['/broken', '/fine']);
    await expect(folders.sync('/broken')).rejects.toThrow('EIO');
  });

  it('syncs real folders by default', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'frago-sync-'));
    try {
      await writeFile(join(folder, 'entry'), 'x');
      await new SharedFolderSync().sync(folder);
      await expect(new SharedFolderSync().sync(join(folder, 'missing'))).rejects.toThrow();
      await syncDirectory(folder);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

import { open } from 'node:fs/promises';

/**
 * Flushes a folder's entries (a file created, linked or removed in it) to the device.
 * Windows cannot open a folder for syncing and commits entries itself, so it is skipped there.
 */
export async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Folder syncs shared between concurrent callers (group commit). A caller gets a sync
 * that starts after its call, so the entries it changed before calling are covered;
 * every caller that asks while that sync is still waiting to start shares it. With
 * many uploads at once, one `fsync` of the folder then stands for many.
 */
export class SharedFolderSync {
  /** Per folder: the sync that has not started yet, which new callers join. */
  private readonly waiting = new Map<string, Promise<void>>();
  /** Per folder: the sync in progress, which a new one waits for. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly syncFolder: (path: string) => Promise<void> = syncDirectory) {}

  sync(path: string): Promise<void> {
    const waiting = this.waiting.get(path);
    if (waiting !== undefined) return waiting;
    const before = this.running.get(path);
    const next = (async () => {
      // Always yields first, so `waiting` is set before it is cleared here.
      await before?.catch(() => undefined);
      this.waiting.delete(path);
      const run = this.syncFolder(path);
      this.running.set(path, run);
      try {
        await run;
      } finally {
        if (this.running.get(path) === run) this.running.delete(path);
      }
    })();
    this.waiting.set(path, next);
    return next;
  }
}

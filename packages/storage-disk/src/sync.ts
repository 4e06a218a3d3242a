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

import { resolve } from 'node:path';
import { createFrago, MemoryRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';

/**
 * The application's one frago. Upload records live in memory (lost on restart, and
 * not shared between the processes of a serverless deployment: use
 * `@frago/mikro-orm` there); bytes and finished files on the local disk.
 */
export const frago = createFrago({
  repository: new MemoryRepository(),
  storage: new DiskStorage({ directory: resolve(process.env.FRAGO_DATA_DIR || 'data') }),
});

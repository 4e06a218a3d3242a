export { DiskStorage } from './disk-storage.js';
export type { DiskStorageOptions, FsyncMode, ResolvedDiskStorageOptions } from './options.js';

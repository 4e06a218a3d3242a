export * from './errors.js';
export * from './content-range.js';
export * from './intervals.js';
export * from './checksum.js';
export * from './model.js';
export * from './ports.js';
export * from './memory-repository.js';
export * from './memory-storage.js';

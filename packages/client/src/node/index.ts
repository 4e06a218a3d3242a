export * from './file-source.js';
export * from './file-store.js';

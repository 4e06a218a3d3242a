export * from './sqlite-block-storage.js';

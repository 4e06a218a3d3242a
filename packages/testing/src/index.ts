export * from './storage.js';
export * from './repository.js';

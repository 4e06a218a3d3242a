export * from './storage.js';
export * from './repository.js';
export * from './repository-one-request.js';

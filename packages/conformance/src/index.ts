export * from './repository.js';
export * from './storage.js';
export * from './http.js';
export * from './listen.js';
export * from './postgres.js';
export * from './memory-files.js';
export * from './raw-http.js';
export * from './leaks.js';

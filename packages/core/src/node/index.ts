export * from './request.js';
export * from './response.js';
export * from './listener.js';
export * from './thread-hashers.js';
export * from './probes.js';

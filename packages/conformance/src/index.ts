// The storage and repository suites are published as @frago/testing; re-exported here
// so that the workspace's tests keep one import.
export * from '@frago/testing';
export * from './http.js';
export * from './listen.js';
export * from './postgres.js';
export * from './mariadb.js';
export * from './memory-files.js';
export * from './client.js';
export * from './fault-proxy.js';
export * from './s3.js';
export * from './raw-http.js';
export * from './leaks.js';
export * from './fetch-server.js';
export * from './disk-files.js';
export * from './remote-target.js';
export * from './remote-server.js';
export * from './mikro-orm.js';
export * from './tus.js';
export * from './openapi-check.js';

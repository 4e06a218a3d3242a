export * from './entities.js';
export * from './migrations.js';
export * from './repository.js';
export * from './sqlite.js';
export { UnsupportedDatabaseError } from './_dialect.js';

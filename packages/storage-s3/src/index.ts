export * from './s3-storage.js';
export { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, partSizeFor, type ResolvedS3StorageOptions, type S3StorageOptions } from './options.js';
export { S3DirectUploads } from './direct-uploads.js';

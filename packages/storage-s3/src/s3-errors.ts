import { FragoError, wrapError } from '@frago/core';

/** True for S3's answers that mean "no such object" or "no such multipart upload". */
export function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || $metadata?.httpStatusCode === 404;
}

/**
 * Wraps an S3 failure as `STORAGE_FAILED` with a fixed message (the SDK's messages may
 * name buckets and keys); the original stays in `cause`. A {@link FragoError} passes
 * through unchanged.
 */
export function storageFailure(error: unknown, message: string): FragoError {
  return wrapError(error, 'STORAGE_FAILED', message);
}

/** The error for an upload that was never opened, or is gone. */
export function missingUpload(): FragoError {
  return new FragoError('STORAGE_FAILED', 'No space was opened for this upload');
}

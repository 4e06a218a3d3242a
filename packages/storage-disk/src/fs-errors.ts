import { FragoError, wrapError } from '@frago/core';

/** The `code` of a Node file system error (`ENOENT`, `EEXIST`, ...), if any. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Wraps a file system failure as `STORAGE_FAILED`. The message is fixed by the caller
 * and never holds a path (Node's own messages do); the original stays in `cause`.
 * A {@link FragoError} passes through unchanged.
 */
export function storageFailure(error: unknown, message: string): FragoError {
  return wrapError(error, 'STORAGE_FAILED', message);
}

/** The error for an upload whose `.part` file does not exist. */
export function missingUpload(cause?: unknown): FragoError {
  return new FragoError('STORAGE_FAILED', 'No space was opened for this upload', cause === undefined ? undefined : { cause });
}

import { FragoError } from '@frago/core';

const KEY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Checks a storage key (or an upload id used in a file name): 1 to 128 ASCII letters,
 * digits, `_` or `-`. Such a string is always one plain path segment, so it can never
 * name a file outside its folder.
 *
 * @throws {FragoError} `STORAGE_FAILED` for anything else.
 */
export function assertSafeKey(key: string, what = 'storage key'): void {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new FragoError('STORAGE_FAILED', `Invalid ${what}`);
  }
}

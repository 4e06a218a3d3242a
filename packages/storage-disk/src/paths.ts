import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { AssembleTarget } from '@frago/core';
import { FragoError } from '@frago/core';
import { assertSafeKey } from './keys.js';

// Separators, NUL and other control characters never belong in one path segment.
const UNSAFE_SEGMENT = /[/\\\u0000-\u001f\u007f]/;

/**
 * Checks that `segment` is one plain file or folder name: not empty, not `.` or `..`,
 * no separator, no control character.
 *
 * @throws {FragoError} `STORAGE_FAILED`.
 */
export function assertSafeSegment(segment: string, what: string): void {
  if (typeof segment !== 'string' || segment === '' || segment === '.' || segment === '..' || UNSAFE_SEGMENT.test(segment)) {
    throw new FragoError('STORAGE_FAILED', `Invalid ${what}`);
  }
}

/**
 * True when `path` is strictly below `root` (both absolute), judged on the resolved
 * strings; symbolic links are checked separately with real paths.
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

/**
 * The folder below `assembledRoot` where `target` goes: the root itself, or the
 * target's `directory` (`/`-separated plain segments) below it.
 *
 * @throws {FragoError} `STORAGE_FAILED` when the upload id, file name or folder is not
 * plain, or the folder would resolve outside the root.
 */
export function targetFolder(assembledRoot: string, target: AssembleTarget): string {
  assertSafeKey(target.uploadId, 'upload id');
  assertSafeSegment(target.filename, 'file name');
  if (target.directory === undefined || target.directory === '') return assembledRoot;
  for (const segment of target.directory.split('/')) assertSafeSegment(segment, 'directory');
  const folder = resolve(assembledRoot, target.directory);
  if (!isInside(assembledRoot, folder)) throw new FragoError('STORAGE_FAILED', 'Invalid directory');
  return folder;
}

/**
 * The file name tried at `attempt` for an assembled upload: `<uploadId>-<filename>`
 * first, then `<uploadId>-<attempt>-<filename>`. Derived from the upload id only, so a
 * retry after a crash walks the same names in the same order.
 */
export function candidateName(target: AssembleTarget, attempt: number): string {
  return attempt === 0 ? `${target.uploadId}-${target.filename}` : `${target.uploadId}-${attempt}-${target.filename}`;
}

/** The in-progress file of an upload: `<incoming>/<key>.part`. */
export function partPath(incomingDir: string, key: string): string {
  assertSafeKey(key);
  return join(incomingDir, `${key}.part`);
}

/**
 * Where assembling remembers the chosen name when the first one was
 * taken by another file: `<incoming>/<key>.location`.
 */
export function recordPath(incomingDir: string, key: string): string {
  assertSafeKey(key);
  return join(incomingDir, `${key}.location`);
}

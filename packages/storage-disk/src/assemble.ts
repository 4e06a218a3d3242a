import { link, lstat, mkdir, readFile, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AssembleTarget } from '@frago/core';
import { FragoError } from '@frago/core';
import { errnoCode, storageFailure } from './fs-errors.js';
import { assertSafeSegment, candidateName, isInside, targetFolder } from './paths.js';

/** More collisions than this on one upload id means something is wrong with the folder. */
const MAX_ATTEMPTS = 100;

/** What {@link assemblePart} needs to know. */
export interface AssembleJob {
  /** The upload's `.part` file. */
  readonly part: string;
  /** Where the chosen name is remembered when it is not the first candidate. */
  readonly record: string;
  readonly assembledRoot: string;
  readonly target: AssembleTarget;
  /** Syncs a folder's entries to the device; absent when nothing is synced. */
  readonly syncFolder?: ((path: string) => Promise<void>) | undefined;
}

/**
 * Moves the `.part` file into the assembled folder without copying a byte and returns
 * the final absolute path.
 *
 * A hard link is made first (`link` fails on an existing name, where `rename` would
 * replace it), then the `.part` name is removed. Candidate names come from
 * {@link candidateName}; a name held by another file is skipped, never overwritten.
 * When the chosen name is not the first candidate it is recorded beside the `.part`
 * file before that file is removed, so that a retry finds it.
 *
 * Idempotent: after a crash between link and unlink, the retry finds its own file (same
 * inode) and only removes the `.part` name; after a crash later, it returns the recorded
 * or first-candidate path.
 *
 * @throws {FragoError} `STORAGE_FAILED` for an unsafe target, no bytes to assemble, no
 * free name, or any file system failure (for example `incoming` and `assembled` on
 * different file systems, where a hard link is impossible).
 */
export async function assemblePart(job: AssembleJob): Promise<string> {
  const folder = targetFolder(job.assembledRoot, job.target);
  // The root is made when a link finds it missing; a folder below it is checked every time.
  if (folder !== job.assembledRoot) await prepareFolder(job.assembledRoot, folder);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const name = candidateName(job.target, attempt);
    const destination = join(folder, name);
    const outcome = await linkUnlessTaken(job, folder, destination);
    if (outcome === 'taken') continue;
    if (outcome === 'source_gone') return assembledBefore(job, folder);
    if (attempt > 0) await remember(job, name);
    await finish(job, folder);
    return destination;
  }
  throw new FragoError('STORAGE_FAILED', 'No free name for the assembled file');
}

async function prepareFolder(root: string, folder: string): Promise<void> {
  let realRoot: string;
  let realFolder: string;
  try {
    await mkdir(folder, { recursive: true });
    if (folder === root) return;
    realRoot = await realpath(root);
    realFolder = await realpath(folder);
  } catch (error) {
    throw storageFailure(error, 'Could not create the assembled folder');
  }
  // A symbolic link below the root must not lead the file out of it.
  if (!isInside(realRoot, realFolder)) {
    throw new FragoError('STORAGE_FAILED', 'Invalid directory');
  }
}

/**
 * Links the `.part` file to `destination`. The common case is one `link`; the `.part`
 * file is looked at only when that fails: gone (an earlier call finished), or the same
 * file as the name already there (an earlier call crashed before removing the `.part` name).
 */
async function linkUnlessTaken(job: AssembleJob, folder: string, destination: string): Promise<'linked' | 'taken' | 'source_gone'> {
  let code: string | undefined;
  for (let tries = 0; tries < 2; tries++) {
    try {
      await link(job.part, destination);
      return 'linked';
    } catch (error) {
      code = errnoCode(error);
      if (code === 'EXDEV') {
        throw storageFailure(error, 'The incoming and assembled folders must be on the same file system');
      }
      if (code !== 'EEXIST' && code !== 'ENOENT') throw storageFailure(error, 'Could not move the assembled file into place');
    }
    if (code === 'EEXIST') break;
    if ((await statIfExists(job.part)) === null) return 'source_gone';
    // The `.part` file is there, so the folder is missing: make it, then link again.
    await prepareFolder(job.assembledRoot, folder);
  }
  if (code !== 'EEXIST') throw new FragoError('STORAGE_FAILED', 'Could not move the assembled file into place');
  const source = await statIfExists(job.part);
  if (source === null) return 'source_gone';
  const existing = await lstatIfExists(destination);
  return existing !== null && existing.ino === source.ino && existing.dev === source.dev ? 'linked' : 'taken';
}

async function remember(job: AssembleJob, name: string): Promise<void> {
  try {
    await writeFile(job.record, name, { flush: job.syncFolder !== undefined });
  } catch (error) {
    throw storageFailure(error, 'Could not record the assembled file name');
  }
}

async function finish(job: AssembleJob, folder: string): Promise<void> {
  try {
    await job.syncFolder?.(folder);
    await unlink(job.part).catch((error: unknown) => {
      // A concurrent retry removed it first.
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
    await job.syncFolder?.(dirname(job.part));
  } catch (error) {
    throw storageFailure(error, 'Could not move the assembled file into place');
  }
}

/** The path a finished earlier call chose, when the `.part` file is already gone. */
async function assembledBefore(job: AssembleJob, folder: string): Promise<string> {
  let name = candidateName(job.target, 0);
  try {
    name = (await readFile(job.record, 'utf8')).trim();
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw storageFailure(error, 'Could not read the assembled file name');
  }
  assertSafeSegment(name, 'recorded file name');
  const destination = join(folder, name);
  const existing = await lstatIfExists(destination);
  if (existing === null || !existing.isFile()) {
    throw new FragoError('STORAGE_FAILED', 'The upload has no bytes to assemble');
  }
  return destination;
}

async function statIfExists(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw storageFailure(error, 'Could not read the upload');
  }
}

async function lstatIfExists(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return null;
    throw storageFailure(error, 'Could not inspect the assembled folder');
  }
}

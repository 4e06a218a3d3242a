import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { PublishedPackage } from './published-packages.js';

const run = promisify(execFile);

/** Packs a workspace package as it would be published (`pnpm pack`) and returns the tarball's path. */
export async function pack(pkg: PublishedPackage, destination: string): Promise<string> {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination, '--json'], { cwd: pkg.dir });
  return (JSON.parse(stdout) as { filename: string }).filename;
}

/** A tarball unpacked into a folder: its files as the registry serves them. */
export interface Unpacked {
  /** The package's root folder (the tarball's `package/`). */
  readonly root: string;
  /** Every file, relative to the root, with `/` separators. */
  readonly files: readonly string[];
}

/** Unpacks `tarball` into `into` with the system's tar. */
export async function unpack(tarball: string, into: string): Promise<Unpacked> {
  await mkdir(into, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', into]);
  const root = join(into, 'package');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'));
  return { root, files: files.sort() };
}

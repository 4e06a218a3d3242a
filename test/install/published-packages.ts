import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/server-process.js';

/** The fields of a package.json that the packaging tests read. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly engines?: Readonly<Record<string, string>>;
  readonly repository?: unknown;
  readonly homepage?: string;
  readonly bugs?: unknown;
}

/** A workspace package that is published to the registry. */
export interface PublishedPackage {
  /** Its folder name under `packages/`, e.g. `storage-disk`. */
  readonly folder: string;
  readonly dir: string;
  readonly manifest: Manifest;
}

/** Where the packages say their source lives; links in their READMEs point here. */
export const REPOSITORY_URL = 'https://github.com/frago-uploads/frago';

/** Every package under `packages/` that is not private, in folder order. */
export function publishedPackages(): PublishedPackage[] {
  const root = join(ROOT, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const dir = join(root, entry.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      return { folder: entry.name, dir, manifest };
    })
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { DiskStorage } from '@frago/storage-disk';
import type { HttpTarget } from './http.js';

/** The HTTP suite's view of assembled files of a disk storage writing to `dataDir`. */
export function diskFiles(dataDir: string): Pick<HttpTarget, 'readAssembled' | 'isInsideStorage'> {
  const assembledRoot = new DiskStorage({ directory: dataDir }).options.assembledDir;
  return {
    readAssembled: async (location) => new Uint8Array(await readFile(location)),
    isInsideStorage: (location) => {
      const rel = relative(assembledRoot, location);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    },
  };
}

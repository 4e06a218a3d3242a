import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Unpacked } from './tarball.js';

interface SourceMap {
  readonly sourceRoot?: string;
  readonly sources: readonly string[];
  readonly sourcesContent?: readonly (string | null)[];
}

/**
 * The sources that a package's source maps cannot show: one that lies outside the
 * package, or one that is neither in the package nor carried in the map itself.
 * Each is described as `<map> -> <source>`.
 */
export function unreachableSources(pkg: Unpacked): string[] {
  const files = new Set(pkg.files);
  return pkg.files
    .filter((file) => file.endsWith('.map'))
    .flatMap((mapFile) => {
      const map = JSON.parse(readFileSync(join(pkg.root, mapFile), 'utf8')) as SourceMap;
      return map.sources
        .filter((source, index) => {
          if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return true;
          const path = posix.normalize(posix.join(posix.dirname(mapFile), map.sourceRoot ?? '', source));
          if (path.startsWith('../') || posix.isAbsolute(path)) return true;
          return !files.has(path) && typeof map.sourcesContent?.[index] !== 'string';
        })
        .map((source) => `${mapFile} -> ${source}`);
    });
}

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A JavaScript runtime other than Node.js, as the workspace installs it from the npm registry. */
export interface Runtime {
  readonly name: 'bun' | 'deno';
  /** The runtime's executable. */
  readonly binary: string;
  /**
   * Its flags for running a TypeScript file of the workspace from source: the
   * `@frago/source` export condition, as the tests use; for Deno also the packages
   * already in node_modules and nothing from the network.
   */
  readonly sourceArgs: readonly string[];
}

const require = createRequire(import.meta.url);

function installed(name: Runtime['name'], packageName: string, file: string): string {
  const binary = join(dirname(require.resolve(`${packageName}/package.json`)), file);
  if (!existsSync(binary)) throw new Error(`${name} is not installed: no ${binary}; run scripts/setup.sh`);
  return binary;
}

/** Bun, from `@oven/bun-linux-x64`. Throws when it is not installed. */
export function bun(): Runtime {
  return { name: 'bun', binary: installed('bun', '@oven/bun-linux-x64', 'bin/bun'), sourceArgs: ['--conditions=@frago/source'] };
}

/** Deno, from `deno` (its install step links the binary of `@deno/linux-x64-glibc` into it). Throws when it is not installed. */
export function deno(): Runtime {
  return {
    name: 'deno',
    binary: installed('deno', 'deno', 'deno'),
    sourceArgs: [
      'run',
      '--node-modules-dir=manual',
      '--cached-only',
      '--conditions=@frago/source',
      // The workspace's sources import each other as `.js`, as TypeScript's emit needs.
      '--unstable-sloppy-imports',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--allow-write',
      // MikroORM reads the CPU count when it loads.
      '--allow-sys',
    ],
  };
}

import { readFileSync } from 'node:fs';

/**
 * This package's version, from its package.json: two folders up from this module both
 * in `src/cli` and in `dist/cli`, and shipped in every npm package.
 */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../support/server-process.js';

/** What the root README's "Use it in your server" section tells a user to do. */
export interface ReadmeUsage {
  /** The packages its install command names, as written (`name` or `name@range`). */
  readonly install: readonly string[];
  /** Its TypeScript snippet, unchanged. */
  readonly snippet: string;
}

const SECTION = '## Use it in your server';

/** Reads the section from the README in the repository's root. */
export function readmeUsage(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): ReadmeUsage {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`the README has no "${SECTION}" section`);
  const rest = readme.slice(start + SECTION.length + 2);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({ lang, body: body ?? '' }));
  const command = blocks
    .filter((block) => block.lang === 'sh')
    .flatMap((block) => block.body.split('\n'))
    .find((line) => /^\s*pnpm add\s/.test(line));
  const snippet = blocks.find((block) => block.lang === 'ts')?.body;
  if (!command || snippet === undefined) throw new Error(`"${SECTION}" needs a \`pnpm add\` line in an sh block and a ts block`);
  const install = command
    .trim()
    .split(/\s+/)
    .slice(2)
    .filter((word) => !word.startsWith('-'));
  return { install, snippet };
}

/** The package a specifier names: `@scope/name@^1` and `@scope/name/sub` are `@scope/name`. */
export function packageName(specifier: string): string {
  const match = /^(@[^/@]+\/[^/@]+|[^/@]+)/.exec(specifier);
  if (!match?.[1]) throw new Error(`not a package specifier: ${specifier}`);
  return match[1];
}

/** The packages a module imports statically, without Node's built-in modules and relative paths. */
export function importedPackages(code: string): string[] {
  const specifiers = [...code.matchAll(/^\s*import\s[^'"]*?['"]([^'"]+)['"]/gm)].map((match) => match[1] ?? '');
  const external = specifiers.filter((specifier) => !isBuiltin(specifier) && !specifier.startsWith('.') && !specifier.startsWith('/'));
  return [...new Set(external.map(packageName))];
}

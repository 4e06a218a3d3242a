import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/server-process.js';
import { markdownLinks, worksAnywhere } from './markdown-links.js';
import { publishedPackages, REPOSITORY_URL } from './published-packages.js';

const LICENSE = readFileSync(join(ROOT, 'LICENSE'), 'utf8');

describe('every published package', () => {
  const packages = publishedPackages();

  it('is every package but the private conformance suite', () => {
    expect(packages.map((pkg) => pkg.folder)).toEqual(['client', 'core', 'express', 'fastify', 'h3', 'mikro-orm', 'nestjs', 'opentelemetry', 'prometheus', 'storage-disk', 'storage-s3', 'testing']);
  });

  it.each(packages)('$manifest.name says where it comes from, what it runs on and its license', ({ folder, manifest }) => {
    expect(manifest).toMatchObject({
      license: 'MIT',
      engines: { node: '>=22.17' },
      repository: { type: 'git', url: `git+${REPOSITORY_URL}.git`, directory: `packages/${folder}` },
      homepage: `${REPOSITORY_URL}/tree/main/packages/${folder}#readme`,
      bugs: `${REPOSITORY_URL}/issues`,
    });
  });

  it.each(packages)('$manifest.name carries the root LICENSE, word for word', ({ dir }) => {
    // A copy per package, because a tarball only holds files from its own folder; this
    // keeps the copies from drifting away from the root.
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(LICENSE);
  });

  it.each(packages)('$manifest.name has a README whose links work on the registry page', ({ dir }) => {
    const links = markdownLinks(readFileSync(join(dir, 'README.md'), 'utf8'));
    expect(links.filter((target) => !worksAnywhere(target))).toEqual([]);
  });
});

describe('markdownLinks', () => {
  it('finds inline links, images, references and HTML links, but not code', () => {
    const text = [
      'See [the guide](../../README.md "Guide") and ![logo](img/logo.png).',
      '[site]: https://example.com/x',
      '<a href="docs/a.md">a</a>',
      '`[not](a-link)` and',
      '```ts',
      'const x = [a](b);',
      '```',
    ].join('\n');
    expect(markdownLinks(text)).toEqual(['../../README.md', 'img/logo.png', 'https://example.com/x', 'docs/a.md']);
    expect(['https://example.com/x', '#install', 'mailto:a@b.c', '../../README.md', 'docs/a.md'].map(worksAnywhere)).toEqual([true, true, true, false, false]);
  });
});

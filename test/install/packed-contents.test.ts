import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/server-process.js';
import { publishedPackages, type Manifest } from './published-packages.js';
import { unreachableSources } from './source-maps.js';
import { pack, unpack, type Unpacked } from './tarball.js';

type Dependencies = Readonly<Record<string, string>>;

describe('the tarball `pnpm pack` makes of every published package', () => {
  const packages = publishedPackages();
  const unpacked = new Map<string, Unpacked>();
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frago-packed-'));
    for (const pkg of packages) {
      unpacked.set(pkg.manifest.name, await unpack(await pack(pkg, work), join(work, pkg.folder)));
    }
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const names = packages.map((pkg) => pkg.manifest.name);

  it.each(names)('%s holds its README, its package.json and the root LICENSE', async (name) => {
    const pkg = unpacked.get(name)!;
    expect(pkg.files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(await readFile(join(pkg.root, 'LICENSE'), 'utf8')).toBe(await readFile(join(ROOT, 'LICENSE'), 'utf8'));
  });

  it.each(names)('%s holds no tests and no source map that points outside it', (name) => {
    const pkg = unpacked.get(name)!;
    expect(pkg.files.filter((file) => /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]sx?$/.test(file))).toEqual([]);
    expect(unreachableSources(pkg)).toEqual([]);
  });

  it.each(names)('%s holds every file its exports name (e.g. @frago/core/openapi.json)', async (name) => {
    const pkg = unpacked.get(name)!;
    const manifest = JSON.parse(await readFile(join(pkg.root, 'package.json'), 'utf8')) as { exports?: unknown };
    const targets = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : typeof value === 'object' && value !== null ? Object.values(value).flatMap(targets) : [];
    const named = targets(manifest.exports).map((target) => target.replace(/^\.\//, ''));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((file) => !pkg.files.includes(file))).toEqual([]);
  });

  it.each(names)('%s depends on versions, not on workspace links', async (name) => {
    const manifest = JSON.parse(await readFile(join(unpacked.get(name)!.root, 'package.json'), 'utf8')) as Manifest & {
      dependencies?: Dependencies;
      peerDependencies?: Dependencies;
    };
    const ranges = [...Object.values(manifest.dependencies ?? {}), ...Object.values(manifest.peerDependencies ?? {})];
    expect(ranges.filter((range) => range.startsWith('workspace:'))).toEqual([]);
  });
});

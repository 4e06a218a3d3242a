import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, type ServerProcess } from '../support/server-process.js';
import { createNpmProject, npm } from './npm-project.js';
import { publishedPackages } from './published-packages.js';
import { importedPackages, packageName, readmeUsage } from './readme-usage.js';
import { startReadmeServer } from './readme-server.js';
import { pack } from './tarball.js';

const run = promisify(execFile);
const CURL_UPLOAD = join(ROOT, 'examples/default-server/curl-upload.sh');
const digest = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest('hex');

/** Waits until `output()` matches `pattern`, for at most `ms`. */
async function printed(output: () => string, pattern: RegExp, ms = 10_000): Promise<RegExpExecArray> {
  for (const deadline = Date.now() + ms; ; ) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`expected ${pattern} in:\n${output()}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe("the README's \"Use it in your server\", in a new npm project with the packed packages", () => {
  const usage = readmeUsage();
  const published = publishedPackages();
  let work: string | undefined;
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('names in its install line every package its snippet imports', () => {
    const installed = usage.install.map(packageName);
    expect(importedPackages(usage.snippet).filter((name) => !installed.includes(name))).toEqual([]);
    const names = published.map((pkg) => pkg.manifest.name);
    expect(installed.filter((name) => name.startsWith('@frago/') && !names.includes(name))).toEqual([]);
  });

  // Most of the time goes to compiling better-sqlite3 for Node.js 24 (SQLite is one large
  // C file): about a minute on two idle cores, more on busy ones.
  it('installs with npm from the registry, runs as written and stores a file uploaded with curl byte for byte', async () => {
    // Outside the workspace, so that npm sees no lock file, workspace or hoisted module of it.
    work = await mkdtemp(join(tmpdir(), 'frago-install-'));
    const tarballs = join(work, 'tarballs');
    const app = join(work, 'app');
    await mkdir(tarballs);
    await mkdir(app);
    const packed = await Promise.all(published.map((pkg) => pack(pkg, tarballs)));

    // The README's third-party packages as written: npm picks the newest versions the
    // registry serves within the packages' peer ranges.
    const thirdParty = usage.install.filter((specifier) => !packageName(specifier).startsWith('@frago/'));
    await createNpmProject(app);
    const install = await npm(['install', '--no-audit', '--no-fund', '--prefer-online', ...packed, ...thirdParty], app);
    expect(install.code, `npm install failed:\n${install.output}`).toBe(0);
    const tree = await npm(['ls', '--all'], app);
    expect(tree.code, `npm ls finds problems in the installed tree:\n${tree.output}`).toBe(0);
    const resolved = await Promise.all(
      thirdParty.map(async (specifier) => {
        const name = packageName(specifier);
        const manifest = JSON.parse(await readFile(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
        return `${name}@${manifest.version}`;
      }),
    );
    console.log(`npm resolved on Node.js ${process.version}: ${resolved.join(' ')}`);

    server = await startReadmeServer(usage.snippet, app);
    const source = join(work, 'drone video.bin');
    const bytes = randomBytes(3 * 2 ** 20 + 4321);
    await writeFile(source, bytes);
    const upload = await run('bash', [CURL_UPLOAD, source, `${server.origin}/upload`, String(256 * 1024), '4']).catch((error: Error) => {
      throw new Error(`curl-upload.sh failed: ${error.message}\nserver:\n${server?.output()}`);
    });
    const finalized = JSON.parse(upload.stdout.trim().split('\n').at(-1) ?? '') as unknown;
    expect(finalized).toMatchObject({ status: true, checksum: digest('md5', bytes), total_size: bytes.length });

    // The snippet logs where each completed upload was stored.
    const [, location] = await printed(server.output, /^drone video\.bin -> (.+)$/m);
    const stored = await readFile(resolve(app, location ?? ''));
    expect({ size: stored.length, sha256: digest('sha256', stored) }).toEqual({ size: bytes.length, sha256: digest('sha256', bytes) });
  }, 480_000);
});

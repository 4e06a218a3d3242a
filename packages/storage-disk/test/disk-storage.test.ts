import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFragoError, type AssembleTarget } from '@frago/core';
import { DiskStorage, type DiskStorageOptions } from '../src/index.js';
import { describeJoinConformance, describeStorageConformance } from '@frago/conformance';

/** A DiskStorage in a fresh temp folder, with `options`, for the shared suites. */
const diskFixture = (options: Omit<DiskStorageOptions, 'directory'> = {}) => async () => {
  const root = await mkdtemp(join(tmpdir(), 'frago-disk-'));
  return {
    storage: new DiskStorage({ directory: root, ...options }),
    readAssembled: (location: string) => readFile(location),
    teardown: () => rm(root, { recursive: true, force: true }),
  };
};

describeStorageConformance('DiskStorage', diskFixture());
describeJoinConformance('DiskStorage', diskFixture());
describeStorageConformance('DiskStorage without fsync', diskFixture({ fsync: 'none', highWaterMark: 1000 }));

async function* body(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function target(uploadId: string, filename: string, totalSize: number, directory?: string): AssembleTarget {
  return { uploadId, filename, totalSize, directory };
}

function isStorageFailure(error: unknown): boolean {
  return isFragoError(error, 'STORAGE_FAILED');
}

/** Every file and folder below `path`, relative, sorted. */
async function tree(path: string): Promise<string[]> {
  const entries = await readdir(path, { recursive: true });
  return entries.map(String).sort();
}

describe('DiskStorage on disk', () => {
  // `sandbox` holds `root` and is where an escape would land.
  let sandbox: string;
  let root: string;
  let storage: DiskStorage;

  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'frago-sandbox-'));
    root = join(sandbox, 'root');
    storage = new DiskStorage({ directory: root });
  });

  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  async function upload(key: string, bytes: Uint8Array): Promise<void> {
    await storage.create(key, bytes.byteLength);
    await storage.write(key, 0, body(bytes));
  }

  it('keeps an upload in <root>/incoming/<key>.part at its full size, and assembles it into <root>/assembled', async () => {
    await storage.create('abc_123-X', 5000);
    expect((await stat(join(root, 'incoming', 'abc_123-X.part'))).size).toBe(5000);
    const bytes = randomBytes(5000);
    await storage.write('abc_123-X', 0, body(bytes));
    const { location } = await storage.assemble('abc_123-X', target('u1', 'photo.jpg', 5000));
    expect(location).toBe(join(root, 'assembled', 'u1-photo.jpg'));
    expect(await readFile(location)).toEqual(bytes);
    expect(existsSync(join(root, 'incoming', 'abc_123-X.part'))).toBe(false);
  });

  it('joins uploads: the first linked, the others copied at their offsets, every copied piece handed over in order', async () => {
    const joining = new DiskStorage({ directory: root, highWaterMark: 700 });
    const parts = [randomBytes(3000), randomBytes(2000), randomBytes(1500)];
    for (const [index, bytes] of parts.entries()) {
      await joining.create(`part${index}`, bytes.byteLength);
      await joining.write(`part${index}`, 0, body(bytes));
    }
    await joining.create('joined', 6500);
    const copied: Array<{ offset: number; bytes: Buffer }> = [];

    const written = await joining.join(
      'joined',
      [
        { key: 'part0', offset: 0, size: 3000 },
        { key: 'part1', offset: 3000, size: 2000 },
        { key: 'part2', offset: 5000, size: 1500 },
      ],
      (offset, bytes) => {
        copied.push({ offset, bytes: Buffer.from(bytes) });
      },
    );

    expect(written).toHaveLength(3);
    const before = await stat(join(root, 'incoming', 'part0.part'));
    expect((await stat(join(root, 'incoming', 'joined.part'))).ino).toBe(before.ino);
    expect(await readFile(join(root, 'incoming', 'joined.part'))).toEqual(Buffer.concat(parts));
    expect(copied[0]?.offset).toBe(3000);
    for (const [index, piece] of copied.entries()) {
      if (index > 0) expect(piece.offset).toBe((copied[index - 1]?.offset ?? 0) + (copied[index - 1]?.bytes.byteLength ?? 0));
    }
    expect(Buffer.concat(copied.map((piece) => piece.bytes))).toEqual(Buffer.concat(parts.slice(1)));
  });

  it('uses the configured folders', async () => {
    const incomingDir = join(sandbox, 'in');
    const assembledDir = join(sandbox, 'out');
    storage = new DiskStorage({ directory: root, incomingDir, assembledDir, fsync: 'none' });
    await upload('k', randomBytes(10));
    expect(existsSync(join(incomingDir, 'k.part'))).toBe(true);
    const { location } = await storage.assemble('k', target('u', 'a.txt', 10, 'x/y'));
    expect(location).toBe(join(assembledDir, 'x', 'y', 'u-a.txt'));
  });

  it('keeps create idempotent: a second create does not wipe written bytes', async () => {
    const bytes = randomBytes(100);
    await upload('again', bytes);
    await storage.create('again', 100);
    const { location } = await storage.assemble('again', target('u', 'again.bin', 100));
    expect(await readFile(location)).toEqual(bytes);
  });

  it('refuses hostile keys and creates nothing outside the root', async () => {
    const hostile = ['../x', '/abs', 'a/b', '', 'nul\u0000byte', '..', '.', 'a\\b', 'x'.repeat(129), 'é'];
    for (const key of hostile) {
      await expect(storage.create(key, 10)).rejects.toSatisfy(isStorageFailure);
      await expect(storage.write(key, 0, body(new Uint8Array(1)))).rejects.toSatisfy(isStorageFailure);
      await expect(storage.read(key, { start: 0, end: 0 })[Symbol.asyncIterator]().next()).rejects.toSatisfy(isStorageFailure);
      await expect(storage.assemble(key, target('u', 'f', 10))).rejects.toSatisfy(isStorageFailure);
      await expect(storage.delete(key)).rejects.toSatisfy(isStorageFailure);
    }
    expect(await tree(sandbox)).toEqual([]);
  });

  it('refuses a file name or folder that tries to escape, leaving nothing outside the root', async () => {
    const escapes: AssembleTarget[] = [
      target('u', '../escape.txt', 4),
      target('u', '..', 4),
      target('u', '/etc/passwd', 4),
      target('u', 'a/b.txt', 4),
      target('u', 'nul\u0000.txt', 4),
      target('u', '', 4),
      target('../u', 'x.txt', 4),
      target('u/v', 'x.txt', 4),
      target('u', 'x.txt', 4, '..'),
      target('u', 'x.txt', 4, '../..'),
      target('u', 'x.txt', 4, 'ok/../../..'),
      target('u', 'x.txt', 4, sandbox),
      target('u', 'x.txt', 4, '/tmp'),
      target('u', 'x.txt', 4, 'a//b'),
      target('u', 'x.txt', 4, 'a\\..\\..'),
    ];
    await upload('esc', new Uint8Array([1, 2, 3, 4]));
    for (const escape of escapes) {
      await expect(storage.assemble('esc', escape)).rejects.toSatisfy(isStorageFailure);
    }
    expect(await tree(sandbox)).toEqual(['root', join('root', 'incoming'), join('root', 'incoming', 'esc.part')]);
  });

  it('refuses a folder that is a symbolic link leading out of the root', async () => {
    const outside = join(sandbox, 'outside');
    await mkdir(outside);
    await mkdir(join(root, 'assembled'), { recursive: true });
    await symlink(outside, join(root, 'assembled', 'link'));
    await upload('sym', new Uint8Array([1]));
    await expect(storage.assemble('sym', target('u', 'x.txt', 1, 'link'))).rejects.toSatisfy(isStorageFailure);
    expect(await readdir(outside)).toEqual([]);
  });

  it('never overwrites an existing file at the destination, and picks a name derived from the upload id', async () => {
    const folder = join(root, 'assembled');
    await mkdir(folder, { recursive: true });
    const squatter = randomBytes(50);
    await writeFile(join(folder, 'u7-report.pdf'), squatter);
    const bytes = randomBytes(80);
    await upload('k7', bytes);
    const first = await storage.assemble('k7', target('u7', 'report.pdf', 80));
    expect(first.location).toBe(join(folder, 'u7-1-report.pdf'));
    expect(await readFile(join(folder, 'u7-report.pdf'))).toEqual(squatter);
    expect(await readFile(first.location)).toEqual(bytes);
    // A retry after the .part is gone still finds its own file, not the squatter.
    const again = await storage.assemble('k7', target('u7', 'report.pdf', 80));
    expect(again.location).toBe(first.location);
  });

  it('moves the .part file without copying it (same inode)', async () => {
    await upload('inode', randomBytes(1024 * 1024));
    const before = await stat(join(root, 'incoming', 'inode.part'));
    const { location } = await storage.assemble('inode', target('u', 'big.bin', 1024 * 1024));
    const after = await stat(location);
    expect(after.ino).toBe(before.ino);
    expect(after.dev).toBe(before.dev);
    expect(after.nlink).toBe(1);
  });

  it('finishes an assembly that crashed between link and unlink', async () => {
    const bytes = randomBytes(300);
    await upload('crash', bytes);
    const part = join(root, 'incoming', 'crash.part');
    const folder = join(root, 'assembled');
    await mkdir(folder, { recursive: true });
    await link(part, join(folder, 'uc-c.bin'));
    const { location } = await storage.assemble('crash', target('uc', 'c.bin', 300));
    expect(location).toBe(join(folder, 'uc-c.bin'));
    expect(existsSync(part)).toBe(false);
    expect(await tree(folder)).toEqual(['uc-c.bin']);
    expect(await readFile(location)).toEqual(bytes);
  });

  it('delete removes the .part file but never the assembled file', async () => {
    const bytes = randomBytes(10);
    await upload('del', bytes);
    const { location } = await storage.assemble('del', target('u', 'd.txt', 10));
    await storage.delete('del');
    expect(await readFile(location)).toEqual(bytes);
    await storage.create('del2', 10);
    await storage.delete('del2');
    expect(existsSync(join(root, 'incoming', 'del2.part'))).toBe(false);
  });

  it('stores a body of many uneven pieces at its offset byte for byte, across several writes', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 12345);
    const offset = 777;
    async function* pieces(): AsyncIterable<Uint8Array> {
      let at = 0;
      for (let size = 1; at < bytes.byteLength; size = (size * 7919) % 70000 || 1) {
        yield bytes.subarray(at, at + size);
        at += size;
      }
    }
    await storage.create('pieces', offset + bytes.byteLength);
    await storage.write('pieces', offset, pieces());
    const stored = await readFile(join(root, 'incoming', 'pieces.part'));
    expect(stored.subarray(0, offset)).toEqual(Buffer.alloc(offset));
    expect(stored.subarray(offset).equals(bytes)).toBe(true);
  });

  it('rejects with the body error unchanged and closes the file', async () => {
    await storage.create('throws', 10);
    const failure = new TypeError('boom');
    async function* broken(): AsyncIterable<Uint8Array> {
      yield new Uint8Array([1, 2]);
      throw failure;
    }
    await expect(storage.write('throws', 0, broken())).rejects.toBe(failure);
    // The handle is closed: the file can be removed and recreated.
    await storage.delete('throws');
    await storage.create('throws', 10);
  });

  it('rejects with the abort reason when the signal is aborted', async () => {
    await storage.create('aborted', 10);
    const controller = new AbortController();
    const reason = new Error('client disconnected');
    async function* slow(): AsyncIterable<Uint8Array> {
      yield new Uint8Array([1]);
      controller.abort(reason);
      yield new Uint8Array([2]);
    }
    await expect(storage.write('aborted', 0, slow(), controller.signal)).rejects.toBe(reason);
  });

  it('refuses bytes past the end of the upload', async () => {
    await storage.create('short', 4);
    await expect(storage.write('short', 2, body(new Uint8Array(3)))).rejects.toSatisfy((error) => isFragoError(error, 'INVALID_RANGE'));
    expect((await stat(join(root, 'incoming', 'short.part'))).size).toBe(4);
    await expect(storage.read('short', { start: 2, end: 4 })[Symbol.asyncIterator]().next()).rejects.toSatisfy((error) =>
      isFragoError(error, 'INVALID_RANGE'),
    );
  });

  it('wraps file system errors without leaking paths', async () => {
    const error: unknown = await storage.write('nothing', 0, body(new Uint8Array(1))).catch((caught: unknown) => caught);
    expect(isStorageFailure(error)).toBe(true);
    expect((error as Error).message).not.toContain(sep);
    expect((error as Error).cause).toBeDefined();
  });

  it('accepts both fsync modes and refuses unknown options', async () => {
    for (const fsync of ['none', 'chunk'] as const) {
      const durable = new DiskStorage({ directory: join(sandbox, fsync), fsync });
      expect(durable.options.fsync).toBe(fsync);
      await durable.create('f', 3);
      await durable.write('f', 0, body(new Uint8Array([7, 8, 9])));
      const { location } = await durable.assemble('f', target('u', 'f.bin', 3));
      expect(await readFile(location)).toEqual(Buffer.from([7, 8, 9]));
    }
    expect(new DiskStorage({ directory: root }).options.fsync).toBe('chunk');
    const bad = [
      { directory: root, fsync: 'always' },
      { directory: root, incomingDir: join(root, 'same'), assembledDir: join(root, 'same') },
      { directory: '' },
      { directory: root, highWaterMark: 0 },
    ] as unknown as DiskStorageOptions[];
    for (const options of bad) expect(() => new DiskStorage(options)).toThrow();
  });
});

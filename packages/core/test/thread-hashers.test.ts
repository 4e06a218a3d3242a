import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKSUM_ALGORITHMS, FragoError, inThreadHashers, type HashJob } from '@frago/core';
import { threadHashers } from '@frago/core/node';

/** Feeds `data` in pieces of `piece` bytes, waiting whenever the job asks to. */
async function feed(job: HashJob, data: Uint8Array, piece: number): Promise<void> {
  for (let offset = 0; offset < data.length; offset += piece) await job.update(data.subarray(offset, offset + piece));
}

describe('threadHashers', () => {
  it.each([
    ['everything on the thread', 0],
    ['the first MiB in the calling thread, then on the thread', undefined],
  ])('computes every algorithm exactly as the in-thread hashers do: %s', async (_name, inlineBytes) => {
    const hashers = threadHashers({ inlineBytes });
    const data = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    try {
      for (const algorithm of CHECKSUM_ALGORITHMS) {
        const [onThread, inThread] = await Promise.all([hashers.open(algorithm, null), inThreadHashers.open(algorithm, null)]);
        await feed(onThread, data, 65_536);
        await feed(inThread, data, 1_000_000);
        expect(await onThread.digest(), algorithm).toBe(await inThread.digest());
      }
      const md5 = await hashers.open('md5', null);
      await feed(md5, data, 4096);
      expect(await md5.digest()).toBe(createHash('md5').update(data).digest('hex'));
    } finally {
      await hashers.close();
    }
  });

  it('saves states that resume in either place, so processes with and without threads can share uploads', async () => {
    const hashers = threadHashers({ threads: 2, inlineBytes: 0 });
    const data = new Uint8Array(randomBytes(5_000_000));
    const expected = createHash('sha256').update(data).digest('hex');
    try {
      const first = await hashers.open('sha256', null);
      await feed(first, data.subarray(0, 2_000_000), 300_000);
      const state = await first.save();
      first.close();
      const second = await inThreadHashers.open('sha256', state);
      await feed(second, data.subarray(2_000_000, 4_000_000), 300_000);
      const handedBack = await second.save();
      second.close();
      const last = await hashers.open('sha256', handedBack);
      await feed(last, data.subarray(4_000_000), 300_000);
      expect(await last.digest()).toBe(expected);
    } finally {
      await hashers.close();
    }
  });

  it('keeps jobs apart when many run on one thread at once', async () => {
    const hashers = threadHashers({ threads: 1, inlineBytes: 100_000 });
    const files = Array.from({ length: 6 }, (_, i) => new Uint8Array(randomBytes(1_500_000 + i)));
    try {
      const digests = await Promise.all(
        files.map(async (file) => {
          const job = await hashers.open('md5', null);
          await feed(job, file, 50_000);
          return job.digest();
        }),
      );
      expect(digests).toEqual(files.map((file) => createHash('md5').update(file).digest('hex')));
    } finally {
      await hashers.close();
    }
  });

  it.each([
    ['everything on the thread', 0],
    ['the first MiB in the calling thread, handed over for the file', undefined],
  ])('reads a range of a file itself, between bytes given to it: %s', async (_name, inlineBytes) => {
    const hashers = threadHashers({ inlineBytes });
    const directory = await mkdtemp(join(tmpdir(), 'frago-hash-file-'));
    const data = new Uint8Array(randomBytes(3 * 1024 * 1024 + 5));
    const path = join(directory, 'upload.part');
    await writeFile(path, data);
    try {
      const job = await hashers.open('md5', null);
      await feed(job, data.subarray(0, 100_000), 30_000);
      // Longer than the thread's read buffer, and ending before the file does.
      await job.updateFromFile!(path, { start: 100_000, end: 2_500_000 - 1 });
      await feed(job, data.subarray(2_500_000), 65_536);
      expect(await job.digest()).toBe(createHash('md5').update(data).digest('hex'));
    } finally {
      await hashers.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('fails a file it cannot read with STORAGE_FAILED, its path kept out of the message, and the thread goes on', async () => {
    const hashers = threadHashers({ inlineBytes: 0 });
    const directory = await mkdtemp(join(tmpdir(), 'frago-hash-file-'));
    const path = join(directory, 'short.part');
    await writeFile(path, new Uint8Array(1000));
    try {
      for (const [file, range] of [
        [join(directory, 'missing.part'), { start: 0, end: 9 }],
        [path, { start: 500, end: 1500 }],
      ] as const) {
        const job = await hashers.open('md5', null);
        const failure = await job.updateFromFile!(file, range).then(
          () => null,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(FragoError);
        expect(failure).toMatchObject({ code: 'STORAGE_FAILED' });
        expect(String((failure as Error).message)).not.toContain(directory);
        job.close();
      }
      const after = await hashers.open('md5', null);
      await after.update(new TextEncoder().encode('abc'));
      expect(await after.digest()).toBe('900150983cd24fb0d6963f7d28e17f72');
    } finally {
      await hashers.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('fails the jobs of a stopped pool with an error, never a wrong digest, and starts afresh', async () => {
    const hashers = threadHashers();
    const job = await hashers.open('md5', null);
    await job.update(new Uint8Array(2_000_000));
    await hashers.close();
    await expect(job.digest()).rejects.toThrow(/hashing thread/);
    const again = await hashers.open('md5', null);
    await again.update(new TextEncoder().encode('abc'));
    expect(await again.digest()).toBe('900150983cd24fb0d6963f7d28e17f72');
    await hashers.close();
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { inThreadHashers, type ChecksumAlgorithm } from '@frago/core';

const MiB = 1024 * 1024;

/** A file of `size` random bytes in `dir`, written once and reused by later runs. */
export async function randomFile(dir: string, size: number): Promise<string> {
  const path = join(dir, `random-${size}.bin`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size === size) return path;
  const out = createWriteStream(path);
  for (let written = 0; written < size; ) {
    const piece = randomBytes(Math.min(8 * MiB, size - written));
    if (!out.write(piece)) await once(out, 'drain');
    written += piece.length;
  }
  out.end();
  await once(out, 'finish');
  return path;
}

/** The lowercase hex MD5 of a file, streamed. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const piece of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** The lowercase hex digest of a file with one of frago's algorithms (its own hasher), streamed. */
export async function digestFile(path: string, algorithm: ChecksumAlgorithm): Promise<string> {
  const job = await inThreadHashers.open(algorithm, null);
  for await (const piece of createReadStream(path, { highWaterMark: 4 * MiB })) await job.update(piece as Buffer);
  return job.digest();
}

/** A source file with its md5 and, computed once when first asked, its digests in frago's other algorithms. */
export interface SourceFile {
  readonly path: string;
  readonly size: number;
  readonly md5: string;
  digest(algorithm: ChecksumAlgorithm): Promise<string>;
}

export async function sourceFile(path: string, size: number): Promise<SourceFile> {
  const md5 = await md5File(path);
  const digests = new Map<ChecksumAlgorithm, Promise<string>>([['md5', Promise.resolve(md5)]]);
  return {
    path,
    size,
    md5,
    digest(algorithm) {
      const digest = digests.get(algorithm) ?? digestFile(path, algorithm);
      digests.set(algorithm, digest);
      return digest;
    },
  };
}

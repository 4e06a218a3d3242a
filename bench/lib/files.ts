import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

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

import { randomBytes } from 'node:crypto';
import { inThreadHashers } from '@frago/core';

/**
 * CPU seconds that hashing 1 GiB with frago's md5 (hash-wasm) costs on this machine,
 * measured in this process: the work every frago target does and the bare server
 * does not, whichever thread it runs on.
 */
export async function md5SecondsPerGiB(): Promise<number> {
  const piece = new Uint8Array(randomBytes(1024 * 1024));
  const job = await inThreadHashers.open('md5', null);
  const before = process.cpuUsage();
  for (let i = 0; i < 256; i += 1) await job.update(piece);
  await job.digest();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1e6) * 4;
}

import type { HashJob } from './hashers.js';
import type { Storage } from './ports.js';

/** How much of a local file a hashing job reads per request, so that progress is reported as it goes. */
const FILE_SLICE = 4 * 1024 * 1024;

/**
 * Adds bytes `from` to `to` (exclusive) of an upload's stored bytes to `job`, calling
 * `progress` with the offset reached as it goes. Where the storage names a local file
 * and the job can read one (a hashing thread), the job reads the bytes itself, a slice
 * at a time: nothing passes through this thread, and no buffer is allocated per read.
 * Otherwise the bytes are streamed from {@link Storage.read}.
 */
export async function hashStored(
  storage: Storage,
  key: string,
  job: HashJob,
  from: number,
  to: number,
  progress?: (offset: number) => Promise<void>,
): Promise<void> {
  if (to <= from) return;
  const file = job.updateFromFile === undefined ? undefined : storage.localFile?.(key);
  if (file !== undefined && job.updateFromFile !== undefined) {
    for (let offset = from; offset < to; ) {
      const end = Math.min(offset + FILE_SLICE, to);
      await job.updateFromFile(file, { start: offset, end: end - 1 });
      offset = end;
      await progress?.(offset);
    }
    return;
  }
  let offset = from;
  for await (const piece of storage.read(key, { start: from, end: to - 1 })) {
    await job.update(piece);
    offset += piece.byteLength;
    await progress?.(offset);
  }
}

import { combinerOf, type ChecksumAlgorithm } from './checksum.js';
import { recordedHex } from './digest.js';
import type { Hashers } from './hashers.js';
import { hashStored } from './hash-stored.js';
import { declaredSize, type ChunkRecord, type UploadRecord } from './model.js';
import type { Storage, UploadRepository } from './ports.js';

/** What {@link combinedChecksum} reads: the chunk records, and the bytes of a chunk stored without its value. */
export interface CombineAccess {
  readonly repository: UploadRepository;
  readonly storage: Storage;
  readonly hashers: Hashers;
}

/**
 * The whole-file value of a combinable checksum (see `combinerOf`): the values of the
 * upload's stored chunks, combined in order, in time that grows with the number of
 * chunks, not with the file. A chunk stored without its value of `algorithm` (by a
 * process that predates it, through a direct upload or a join, or for another
 * algorithm) is read back and checksummed, that chunk alone. Meant for a held upload,
 * whose chunks cover it whole and can no longer change.
 *
 * @throws {Error} when `algorithm` does not combine, or the stored chunks do not cover
 * the upload exactly; what the repository or the storage throws.
 */
export async function combinedChecksum(access: CombineAccess, upload: UploadRecord, algorithm: ChecksumAlgorithm): Promise<string> {
  const combiner = combinerOf(algorithm);
  if (combiner === undefined) throw new Error(`${algorithm} does not combine`);
  const size = declaredSize(upload);
  const chunks = (await access.repository.chunks(upload.id)).filter((chunk) => chunk.state === 'stored');
  let value = combiner.empty;
  let offset = 0;
  for (const chunk of chunks) {
    // Chunks never overlap and a duplicate is never recorded twice: a held upload's chunks tile it.
    if (chunk.start !== offset) throw new Error(`The stored chunks of upload ${upload.id} do not cover byte ${offset}`);
    const own = recordedHex(chunk.checksum, algorithm) ?? (await readBack(access, upload, chunk, algorithm));
    value = combiner.combine(value, own, chunk.size);
    offset = chunk.end + 1;
  }
  if (offset !== size) throw new Error(`The stored chunks of upload ${upload.id} end at byte ${offset}, not ${size}`);
  return value;
}

/** A chunk's value of `algorithm`, from its bytes in the storage. */
async function readBack(access: CombineAccess, upload: UploadRecord, chunk: ChunkRecord, algorithm: ChecksumAlgorithm): Promise<string> {
  const job = await access.hashers.open(algorithm, null);
  try {
    await hashStored(access.storage, upload.storageKey, job, chunk.start, chunk.end + 1);
    return await job.digest();
  } finally {
    job.close();
  }
}

import { exactLength, tap } from './body.js';
import { digestsEqual, isCombinable, ResumableHasher } from './checksum.js';
import type { ClaimLease } from './claim-lease.js';
import type { WriteChunk } from './commands.js';
import { formatChunkDigest } from './digest.js';
import { FragoError, isFragoError } from './errors.js';
import { idleTimeout } from './idle-timeout.js';
import { rangeSize } from './intervals.js';
import type { UploadRecord } from './model.js';
import type { ResolvedOptions } from './options.js';
import type { WrittenChunk } from './ports.js';

/**
 * Streams a claimed chunk to the storage, renewing the claim while bytes flow. For a
 * combinable checksum (a CRC), the chunk's own value is computed on the way and returned
 * as `checksum` (`algorithm:hex`), wherever the chunk lies. For any other, when the chunk
 * starts exactly where the whole-file checksum stopped, it is hashed on the way, and the
 * hasher's new state is returned as `hashed`. Both come with what the storage returned;
 * with `want.digest`, so is the whole file's digest when the chunk is the whole file (a
 * CRC) or took the checksum to its end. With `want.wholeFile` false, the whole-file
 * checksum is left alone.
 *
 * @throws {FragoError} `BODY_LENGTH_MISMATCH`, `BODY_TIMEOUT`, `RANGE_IN_FLIGHT` (the
 * claim stalled past its lease), `DIGEST_MISMATCH`, `CLIENT_ABORTED`, `STORAGE_FAILED`,
 * or a typed error of the storage.
 */
export async function receiveChunk(
  options: Pick<ResolvedOptions, 'storage' | 'checksum' | 'bodyIdleTimeoutMs' | 'limits'>,
  upload: UploadRecord,
  chunk: WriteChunk,
  lease: ClaimLease,
  want: { readonly digest?: boolean; readonly wholeFile?: boolean | undefined } = {},
): Promise<{ hashed: Uint8Array | null; checksum: string | null; digest: string | null; storageData: string | null }> {
  const { storage, checksum } = options;
  const { range } = chunk;
  const { algorithm } = upload.hash;
  const hashes = checksum.mode !== 'off' && want.wholeFile !== false;
  const combinable = hashes && isCombinable(algorithm);
  const inOrder = hashes && !combinable && upload.hash.offset === range.start;
  // One job either way: the chunk's own CRC, or the whole file's hasher resumed.
  const hashJob = combinable || inOrder ? await checksum.hashers.open(algorithm, inOrder ? upload.hash.state : null) : null;
  const chunkHasher = chunk.digest ? await ResumableHasher.create(chunk.digest.algorithm) : null;
  const source = idleTimeout(chunk.body, options.bodyIdleTimeoutMs);
  const body = tap(exactLength(source, rangeSize(range)), (piece) => {
    lease.touch();
    chunkHasher?.update(piece);
    return hashJob?.update(piece);
  });
  lease.start();
  try {
    let written: void | WrittenChunk;
    try {
      const placement = { end: range.end, totalSize: upload.totalSize ?? options.limits.maxUploadSize };
      written = await storage.write(upload.storageKey, range.start, body, chunk.signal, placement);
    } catch (error) {
      if (isFragoError(error)) throw error;
      if (chunk.signal?.aborted) throw new FragoError('CLIENT_ABORTED', 'The client went away mid-chunk', { cause: error });
      throw new FragoError('STORAGE_FAILED', 'The chunk could not be stored', { cause: error });
    } finally {
      lease.stop();
    }
    if (chunkHasher !== null && chunk.digest && !digestsEqual(chunkHasher.digest(), chunk.digest.hex)) {
      throw new FragoError('DIGEST_MISMATCH', 'The chunk does not match its digest; send it again');
    }
    const hashed = inOrder && hashJob !== null ? await hashJob.save() : null;
    const ended = want.digest === true && range.end + 1 === upload.totalSize && (inOrder || range.start === 0);
    const hex = hashJob === null ? null : ended || combinable ? await hashJob.digest() : null;
    const value = combinable && hex !== null ? formatChunkDigest({ algorithm, hex }) : null;
    return { hashed, checksum: value, digest: ended ? hex : null, storageData: written?.storageData ?? null };
  } finally {
    hashJob?.close();
    chunkHasher?.close();
  }
}

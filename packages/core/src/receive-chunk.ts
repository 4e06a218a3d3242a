import { exactLength, tap } from './body.js';
import { digestsEqual, ResumableHasher } from './checksum.js';
import type { ClaimLease } from './claim-lease.js';
import type { WriteChunk } from './commands.js';
import { FragoError, isFragoError } from './errors.js';
import { idleTimeout } from './idle-timeout.js';
import { rangeSize } from './intervals.js';
import type { UploadRecord } from './model.js';
import type { ResolvedOptions } from './options.js';
import type { WrittenChunk } from './ports.js';

/**
 * Streams a claimed chunk to the storage, renewing the claim while bytes flow. When
 * the chunk starts exactly where the whole-file checksum stopped, it is hashed on the
 * way, and the hasher's new state is returned with what the storage returned; with
 * `want.digest`, so is the digest when the chunk took the checksum to the end of the file.
 * With `want.wholeFile` false, the whole-file checksum is left alone.
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
): Promise<{ hashed: Uint8Array | null; digest: string | null; storageData: string | null }> {
  const { storage, checksum } = options;
  const { range } = chunk;
  const hashes = checksum.mode !== 'off' && want.wholeFile !== false && upload.hash.offset === range.start;
  const wholeFile = hashes ? await checksum.hashers.open(upload.hash.algorithm, upload.hash.state) : null;
  const chunkHasher = chunk.digest ? await ResumableHasher.create(chunk.digest.algorithm) : null;
  const source = idleTimeout(chunk.body, options.bodyIdleTimeoutMs);
  const body = tap(exactLength(source, rangeSize(range)), (piece) => {
    lease.touch();
    chunkHasher?.update(piece);
    return wholeFile?.update(piece);
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
    const hashed = wholeFile === null ? null : await wholeFile.save();
    const ended = want.digest === true && range.end + 1 === upload.totalSize;
    const digest = wholeFile !== null && ended ? await wholeFile.digest() : null;
    return { hashed, digest, storageData: written?.storageData ?? null };
  } finally {
    wholeFile?.close();
    chunkHasher?.close();
  }
}

import { emptyBody } from '../../body.js';
import { isCombinable } from '../../checksum.js';
import { FragoError } from '../../errors.js';
import type { ChunkDigest } from '../../digest.js';
import type { UploadRecord } from '../../model.js';
import { isPartial } from './concat.js';
import { contentLength } from './headers.js';
import type { TusContext } from './route-context.js';

/**
 * Stores the request's bytes at `offset` of `upload` as one chunk, and completes the
 * upload (checksum, assembly, `upload:completed`) once its last byte is stored, unless
 * it is a part of a concatenation, which waits for its final.
 * Without `Content-Length`, the body is taken to run to the end of the upload; an
 * upload whose size is deferred needs it. A body that ends early stores nothing: the
 * offset stays where it was.
 * Returns the new offset.
 *
 * @throws {FragoError} `INVALID_RANGE` for bytes past `Upload-Length`,
 * `INVALID_REQUEST` for bytes of unknown length to an upload of unknown size, and what
 * `UploadService.writeChunk` and `UploadService.finalize` throw.
 */
export async function appendBytes(
  { service, identity, request }: TusContext,
  upload: UploadRecord,
  offset: number,
  digest: ChunkDigest | null,
): Promise<number> {
  const declared = contentLength(request.headers);
  if (declared === undefined && upload.totalSize === null) {
    throw new FragoError('INVALID_REQUEST', 'Send Content-Length, or Upload-Length, with the bytes of an upload whose length is deferred');
  }
  const length = declared ?? (upload.totalSize ?? offset) - offset;
  if (upload.totalSize !== null && offset + length > upload.totalSize) {
    throw new FragoError('INVALID_RANGE', `The bytes would go past Upload-Length (${upload.totalSize})`);
  }
  if (length > 0) {
    const range = { start: offset, end: offset + length - 1, total: upload.totalSize };
    // A part's own checksum is never verified: its final hashes the joined bytes. A
    // combinable one (a CRC) is still taken chunk by chunk, cheaply, so that the final
    // combines the parts' values instead of reading their bytes.
    const wholeFileChecksum = !isPartial(upload) || isCombinable(upload.hash.algorithm);
    await service.writeChunk(identity, upload.id, { range, body: request.body ?? emptyBody(), digest, signal: request.signal, wholeFileChecksum });
  }
  const reached = offset + length;
  if (reached === upload.totalSize && upload.status === 'in_progress' && !isPartial(upload)) {
    await service.finalize(identity, upload.id, {});
  }
  return reached;
}

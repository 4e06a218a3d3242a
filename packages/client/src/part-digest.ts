import { hashPieces, hexToBase64 } from './checksum.js';
import { FragoClientError } from './errors.js';
import { bodyPieces, type ChunkBody, type UploadSource } from './source.js';

/**
 * Parts up to this size are read once into memory, hashed there and sent from there:
 * what the store checks is exactly what was hashed. Larger parts (files beyond about
 * 80 GB with 8 MiB parts, or a store configured with large parts) are hashed from one
 * read and sent from a second, so that memory stays at this much per part in flight.
 */
export const PART_BUFFER_LIMIT = 32 * 1024 * 1024;

/** A part of a direct upload, ready to be sent with its MD5. */
export interface DigestedPart {
  /** The bytes to send. */
  readonly body: ChunkBody;
  /** The MD5 of those bytes, base64, as `Content-MD5` carries it. */
  readonly md5: string;
}

/**
 * Reads the bytes `[start, end]` of `source` for one try of a part and computes their
 * MD5 (see {@link PART_BUFFER_LIMIT} for what is kept in memory). With `keep` false the
 * bytes are hashed as they are read and not kept, whatever the part's size: the part is
 * then read again from `source` when it is sent.
 *
 * @throws {FragoClientError} `READ_FAILED` when the file cannot be read or holds fewer
 * bytes than the part; `CANCELLED` when `signal` aborts.
 */
export async function digestPart(source: UploadSource, start: number, end: number, signal: AbortSignal, keep = true): Promise<DigestedPart> {
  const size = end - start + 1;
  if (!keep || size > PART_BUFFER_LIMIT) {
    const hex = await hashPieces(bodyPieces(source.slice(start, end)), 'md5', undefined, signal);
    // Bytes that changed on disk between the two reads no longer match: the store refuses them.
    return { body: source.slice(start, end), md5: hexToBase64(hex) };
  }
  const bytes = new Uint8Array(size);
  let filled = 0;
  const short = () => new FragoClientError('READ_FAILED', `The file changed: bytes ${start}-${end} could not be read as one part`);
  async function* copied(): AsyncIterable<Uint8Array> {
    for await (const piece of bodyPieces(source.slice(start, end))) {
      if (filled + piece.byteLength > size) throw short();
      bytes.set(piece, filled);
      filled += piece.byteLength;
      yield piece;
    }
  }
  const hex = await hashPieces(copied(), 'md5', undefined, signal);
  if (filled !== size) throw short();
  return { body: bytes, md5: hexToBase64(hex) };
}

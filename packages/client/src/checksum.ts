import {
  createBLAKE3,
  createCRC32,
  createCRC64,
  createMD5,
  createSHA1,
  createSHA256,
  createSHA384,
  createSHA512,
  createXXHash64,
  type IHasher,
} from 'hash-wasm';
import { cancelledError, FragoClientError } from './errors.js';

/** A whole-file checksum algorithm, as the frago API names them. */
export type ChecksumAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'xxhash64' | 'blake3' | 'crc32c' | 'crc64nvme';

// The client's own table (the server's is in @frago/core): the client depends on hash-wasm alone.
const FACTORIES: Record<ChecksumAlgorithm, () => Promise<IHasher>> = {
  md5: createMD5,
  sha1: createSHA1,
  sha256: createSHA256,
  sha384: createSHA384,
  sha512: createSHA512,
  xxhash64: createXXHash64,
  blake3: () => createBLAKE3(),
  // The CRCs S3 computes for whole objects, by their reflected polynomials.
  crc32c: () => createCRC32(0x82f63b78),
  crc64nvme: () => createCRC64('9a6c9329ac4bc9b5'),
};

/** Every algorithm the client can compute. */
export const CHECKSUM_ALGORITHMS = Object.keys(FACTORIES) as ChecksumAlgorithm[];

/**
 * The algorithm named by `name`, matched as the server does: any case, with or
 * without a dash (`SHA-256`).
 *
 * @throws {FragoClientError} `INVALID_ARGUMENT` for an algorithm the client cannot compute.
 */
export function checksumAlgorithm(name: string): ChecksumAlgorithm {
  const normalized = name.toLowerCase().replace(/-/g, '');
  if (Object.hasOwn(FACTORIES, normalized)) return normalized as ChecksumAlgorithm;
  throw new FragoClientError('INVALID_ARGUMENT', `Unknown checksum "${name}"; one of: ${CHECKSUM_ALGORITHMS.join(', ')}`);
}

/** @internal A digest's lowercase hex as base64, the form of `Content-MD5` and RFC 9530's digest fields. */
export function hexToBase64(hex: string): string {
  const bytes = hex.match(/../g) ?? [];
  return btoa(bytes.map((pair) => String.fromCharCode(Number.parseInt(pair, 16))).join(''));
}

/**
 * Hashes `pieces` in order with hash-wasm and returns the lowercase hex digest.
 * `onProgress` gets the bytes hashed so far after every piece.
 *
 * @throws {FragoClientError} `CANCELLED` when `signal` aborts, `READ_FAILED` when reading fails.
 */
export async function hashPieces(
  pieces: AsyncIterable<Uint8Array>,
  algorithm: ChecksumAlgorithm,
  onProgress?: (hashedBytes: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const hasher = await FACTORIES[algorithm]();
  hasher.init();
  let hashed = 0;
  try {
    for await (const piece of pieces) {
      if (signal?.aborted) throw cancelledError(signal);
      hasher.update(piece);
      hashed += piece.byteLength;
      onProgress?.(hashed);
    }
  } catch (error) {
    if (error instanceof FragoClientError) throw error;
    throw new FragoClientError('READ_FAILED', 'The file could not be read for its checksum', { cause: error });
  }
  return hasher.digest('hex');
}

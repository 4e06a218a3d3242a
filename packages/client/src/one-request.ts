import { hexToBase64, type ChecksumAlgorithm } from './checksum.js';

// frago's one-request upload: the resumable-upload draft's creation with
// `Upload-Complete: ?1` and the whole file as its body, completed before the answer.

/**
 * The RFC 9530 key of each algorithm `Repr-Digest` can carry to frago; `crc32c`'s value
 * is the CRC's 4 bytes big-endian, which is what its hex spells.
 */
const REPR_DIGEST_KEYS: Partial<Record<ChecksumAlgorithm, string>> = { sha256: 'sha-256', sha512: 'sha-512', md5: 'md5', crc32c: 'crc32c' };

/** The algorithm a one-request upload checks the file with, for the one `wanted`; undefined when `Repr-Digest` cannot carry it. */
export function oneRequestAlgorithm(wanted: ChecksumAlgorithm | false | undefined): ChecksumAlgorithm | false | undefined {
  const algorithm = wanted ?? 'md5';
  return algorithm === false || REPR_DIGEST_KEYS[algorithm] !== undefined ? algorithm : undefined;
}

/** The longest `Frago-Metadata` the server takes; metadata past it goes with a JSON start instead. */
const MAX_METADATA_HEADER = 8192;

/**
 * `metadata` as `Frago-Metadata` (base64url of its JSON, unpadded); undefined when it
 * is too large for the header.
 */
export function metadataHeader(metadata: Readonly<Record<string, unknown>>): string | undefined {
  const bytes = new TextEncoder().encode(JSON.stringify(metadata));
  if (Math.ceil((bytes.byteLength * 4) / 3) > MAX_METADATA_HEADER) return undefined;
  const text = Array.from(bytes, (byte) => String.fromCharCode(byte)).join('');
  return btoa(text).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

// RFC 8187's attr-char leaves out what encodeURIComponent keeps.
const encodeExtended = (name: string) => encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The headers of a one-request upload of a file named `filename` of `size` bytes:
 * `Upload-Complete: ?1` and its length, its name in `Content-Disposition`, its checksum
 * in `Repr-Digest` when there is one, and its metadata (already encoded by
 * {@link metadataHeader}) in `Frago-Metadata` when there is some.
 */
export function oneRequestHeaders(
  filename: string,
  size: number,
  digest: { algorithm: ChecksumAlgorithm; hex: string } | null,
  metadata: string | undefined,
): Record<string, string> {
  const key = digest === null ? undefined : REPR_DIGEST_KEYS[digest.algorithm];
  return {
    'upload-complete': '?1',
    'upload-length': String(size),
    'content-length': String(size),
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename*=UTF-8''${encodeExtended(filename)}`,
    ...(digest !== null && key !== undefined ? { 'repr-digest': `${key}=:${hexToBase64(digest.hex)}:` } : {}),
    ...(metadata !== undefined ? { 'frago-metadata': metadata } : {}),
  };
}

import type { ChecksumAlgorithm } from '../../checksum.js';
import type { ChunkDigest } from '../../digest.js';
import { FragoError } from '../../errors.js';

// RFC 9530 algorithm keys frago verifies, strongest first, and the hasher for each.
// `crc32c` (deprecated there, yet registered) carries the CRC's 4 bytes big-endian, as
// RFC 9530's sample values show (`{"hello": "world"}` is `:Q3lHIA==:`, 0x43794720):
// the bytes of the hex frago records.
const CONTENT_DIGEST_ALGORITHMS: ReadonlyArray<readonly [string, ChecksumAlgorithm]> = [
  ['sha-512', 'sha512'],
  ['sha-256', 'sha256'],
  ['md5', 'md5'],
  ['crc32c', 'crc32c'],
];

const KEYS = CONTENT_DIGEST_ALGORITHMS.map(([key]) => key).join(', ');

function base64ToHex(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const bytes = atob(value);
  return [...bytes].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

/**
 * The strongest known digest an RFC 9530 digest field (`Content-Digest`, `Repr-Digest`:
 * `sha-256=:base64:, ...`) carries; `field` names it in messages.
 *
 * @throws {FragoError} `INVALID_REQUEST` for a malformed field or no known algorithm.
 */
export function parseDigestField(value: string, field: string): ChunkDigest {
  const found = new Map<string, string>();
  for (const member of value.split(',')) {
    const match = /^\s*([a-z0-9-]+)\s*=\s*:([^:]*):\s*$/i.exec(member);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new FragoError('INVALID_REQUEST', `${field} must be a list of algorithm=:base64: members`);
    }
    found.set(match[1].toLowerCase(), match[2]);
  }
  for (const [key, algorithm] of CONTENT_DIGEST_ALGORITHMS) {
    const encoded = found.get(key);
    const hex = encoded === undefined ? undefined : base64ToHex(encoded);
    if (hex !== undefined) return { algorithm, hex };
    if (encoded !== undefined) throw new FragoError('INVALID_REQUEST', `${field} ${key} is not valid base64`);
  }
  throw new FragoError('INVALID_REQUEST', `${field} names no supported algorithm (${KEYS})`);
}

/**
 * Reads a chunk digest from `Content-Digest` (RFC 9530, e.g. `sha-256=:...:`; the
 * strongest known algorithm wins) or `Content-MD5` (base64). Null when neither is sent.
 *
 * @throws {FragoError} `INVALID_REQUEST` for a malformed header or no known algorithm.
 */
export function parseChunkDigest(contentDigest: string | undefined, contentMd5: string | undefined): ChunkDigest | null {
  if (contentDigest !== undefined && contentDigest !== '') return parseDigestField(contentDigest, 'Content-Digest');
  if (contentMd5 !== undefined && contentMd5 !== '') {
    const hex = base64ToHex(contentMd5.trim());
    if (hex === undefined || hex.length !== 32) throw new FragoError('INVALID_REQUEST', 'Content-MD5 must be a base64 MD5 digest');
    return { algorithm: 'md5', hex };
  }
  return null;
}

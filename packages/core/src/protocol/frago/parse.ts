import { checksumAlgorithmNamed, hexDigest, type ChecksumAlgorithm } from '../../checksum.js';
import type { FinalizeUpload, ListUploads, StartUpload, WriteChunk } from '../../commands.js';
import { FragoError } from '../../errors.js';
import { validateFilename } from '../../filename.js';
import { multipartFile } from '../../multipart.js';
import type { FragoRequest } from '../../protocol.js';
import { parseChunkDigest } from '../http/content-digest.js';
import { parseContentRange } from '../http/content-range.js';
import { mediaType } from './media-type.js';

// The frago protocol's wire names: every message naming a field or header says it here.

const absent = (value: unknown): boolean => value === undefined || value === null;

/**
 * `checksum_algo` as a known algorithm; null when absent.
 *
 * @throws {FragoError} `UNSUPPORTED_CHECKSUM` naming the algorithms `accepted`.
 */
function checksumAlgo(value: unknown, accepted: readonly ChecksumAlgorithm[]): ChecksumAlgorithm | null {
  if (absent(value)) return null;
  const algorithm = typeof value === 'string' ? checksumAlgorithmNamed(value) : undefined;
  if (algorithm !== undefined) return algorithm;
  throw new FragoError('UNSUPPORTED_CHECKSUM', `checksum_algo must be one of: ${accepted.join(', ')}`, { details: { allowed: accepted } });
}

/** `checksum` as a lowercase hex digest; null when absent or empty. @throws {FragoError} `INVALID_REQUEST`. */
function checksum(value: unknown): string | null {
  if (absent(value) || value === '') return null;
  const digest = typeof value === 'string' ? hexDigest(value) : undefined;
  if (digest === undefined) throw new FragoError('INVALID_REQUEST', 'checksum must be a hex digest of at most 256 digits');
  return digest;
}

/**
 * An upload's `metadata`: a JSON object, `{}` when absent. Every way of starting an
 * upload that lets the client name metadata checks it here.
 *
 * @throws {FragoError} `INVALID_REQUEST` for any other value.
 */
export function metadataObject(value: unknown): Record<string, unknown> {
  const metadata = value ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new FragoError('INVALID_REQUEST', 'metadata must be a JSON object');
  }
  return metadata as Record<string, unknown>;
}

/**
 * The start of an upload from `{filename, total_size, checksum?, checksum_algo?, metadata?}`.
 *
 * @throws {FragoError} `INVALID_FILENAME`, `INVALID_SIZE`, `INVALID_REQUEST`, `UNSUPPORTED_CHECKSUM`.
 */
export function parseStart(fields: Record<string, unknown>, accepted: readonly ChecksumAlgorithm[]): StartUpload {
  const filename = validateFilename(fields.filename);
  const totalSize = fields.total_size;
  if (typeof totalSize !== 'number' || !Number.isSafeInteger(totalSize) || totalSize < 0) {
    throw new FragoError('INVALID_SIZE', 'total_size must be a whole number of bytes, zero or more');
  }
  const metadata = metadataObject(fields.metadata);
  if (!absent(fields.direct) && typeof fields.direct !== 'boolean') throw new FragoError('INVALID_REQUEST', 'direct must be true or false');
  return {
    filename,
    totalSize,
    checksum: checksum(fields.checksum),
    checksumAlgorithm: checksumAlgo(fields.checksum_algo, accepted),
    metadata,
  };
}

const BASE64_MD5 = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Parts to sign from `{parts: [number, ...]}` or `{parts: [{part, md5?}, ...]}`, where
 * `md5` is the part's MD5 in base64 (as `Content-MD5` carries it). The service checks
 * that each number is one of the upload's parts.
 *
 * @throws {FragoError} `INVALID_REQUEST`.
 */
export function parseSignParts(fields: Record<string, unknown>): { parts: number[]; contentMd5: Record<number, string> } {
  const invalid = () => new FragoError('INVALID_REQUEST', 'parts must be a list of part numbers, or of {part, md5} with a base64 MD5');
  if (!Array.isArray(fields.parts)) throw invalid();
  const parts: number[] = [];
  const contentMd5: Record<number, string> = {};
  for (const entry of fields.parts as unknown[]) {
    const { part, md5 } = typeof entry === 'object' && entry !== null ? (entry as { part?: unknown; md5?: unknown }) : { part: entry, md5: undefined };
    if (typeof part !== 'number' || !Number.isSafeInteger(part)) throw invalid();
    if (md5 !== undefined && md5 !== null) {
      if (typeof md5 !== 'string' || !BASE64_MD5.test(md5)) throw invalid();
      contentMd5[part] = md5;
    }
    parts.push(part);
  }
  return { parts, contentMd5 };
}

/** Finalize from `{checksum?, checksum_algo?}`. @throws {FragoError} `INVALID_REQUEST`, `UNSUPPORTED_CHECKSUM`. */
export function parseFinalize(fields: Record<string, unknown>, accepted: readonly ChecksumAlgorithm[]): FinalizeUpload {
  return { checksum: checksum(fields.checksum), checksumAlgorithm: checksumAlgo(fields.checksum_algo, accepted) };
}

/** A page of the listing from `?limit=&cursor=`. */
export function parseList(search: string): ListUploads {
  const query = new URLSearchParams(search);
  return { limit: Number(query.get('limit') ?? 50) || 50, cursor: query.get('cursor') || null };
}

/**
 * A chunk from `PUT` with `Content-Range`, an optional `Content-Digest` or `Content-MD5`,
 * and a raw (`application/octet-stream`) or multipart/form-data body.
 *
 * @throws {FragoError} `INVALID_RANGE`, `BODY_LENGTH_MISMATCH` (a `Content-Length` that
 * is not the range's), `INVALID_REQUEST` (a malformed digest), `UNSUPPORTED_MEDIA_TYPE`.
 */
export function parseChunk(request: FragoRequest): WriteChunk {
  const range = parseContentRange(request.headers['content-range']);
  const type = mediaType(request.headers);
  const declared = request.headers['content-length'];
  if (declared !== undefined && type !== 'multipart/form-data' && Number(declared) !== range.end - range.start + 1) {
    throw new FragoError('BODY_LENGTH_MISMATCH', 'Content-Length must equal the size of the Content-Range');
  }
  const digest = parseChunkDigest(request.headers['content-digest'], request.headers['content-md5']);
  return { range, body: chunkBody(request, type), digest, signal: request.signal };
}

function chunkBody(request: FragoRequest, type: string): AsyncIterable<Uint8Array> {
  const body = request.body ?? (async function* () {})();
  if (type === '' || type === 'application/octet-stream') return body;
  if (type === 'multipart/form-data') return multipartFile(body, request.headers['content-type'] ?? '');
  throw new FragoError('UNSUPPORTED_MEDIA_TYPE', 'Send chunks as application/octet-stream or multipart/form-data');
}

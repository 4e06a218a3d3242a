import type { ChunkDigest } from '../../digest.js';
import { FragoError } from '../../errors.js';
import type { FragoRequest } from '../../protocol.js';
import { base64Bytes } from '../http/base64.js';
import { OFFSET_OCTET_STREAM, TUS_CHECKSUM_ALGORITHMS, TUS_VERSION } from './wire.js';

// The tus request headers, read into typed values: every message naming a tus header
// says it here.

const WHOLE = /^\d{1,16}$/;

/** A header's value as a whole number of bytes; undefined when absent. @throws {FragoError} `code` otherwise. */
function byteCount(headers: FragoRequest['headers'], name: string, code: 'INVALID_SIZE' | 'INVALID_REQUEST'): number | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  const number = Number(value.trim());
  if (!WHOLE.test(value.trim()) || !Number.isSafeInteger(number)) {
    throw new FragoError(code, `${name} must be a whole number of bytes, zero or more`);
  }
  return number;
}

/**
 * The method the client means: `X-HTTP-Method-Override` when sent (for clients and
 * proxies that only pass GET and POST), the request's own otherwise.
 */
export function methodOf(request: FragoRequest): string {
  return (request.headers['x-http-method-override'] ?? request.method).trim().toUpperCase();
}

/** @throws {FragoError} `UNSUPPORTED_VERSION` unless `Tus-Resumable` names the version served. */
export function assertVersion(headers: FragoRequest['headers']): void {
  if (headers['tus-resumable']?.trim() !== TUS_VERSION) {
    throw new FragoError('UNSUPPORTED_VERSION', `Send Tus-Resumable: ${TUS_VERSION}, the only version served`);
  }
}

/** `Upload-Length`; undefined when absent. @throws {FragoError} `INVALID_SIZE`. */
export function uploadLength(headers: FragoRequest['headers']): number | undefined {
  return byteCount(headers, 'Upload-Length', 'INVALID_SIZE');
}

/**
 * The size a creation announces: `Upload-Length`, or null for `Upload-Defer-Length: 1`
 * (creation-defer-length: the size comes with a later PATCH).
 *
 * @throws {FragoError} `INVALID_SIZE` when neither or both are sent, or for a malformed
 * `Upload-Length`; `INVALID_REQUEST` for an `Upload-Defer-Length` other than 1.
 */
export function announcedLength(headers: FragoRequest['headers']): number | null {
  const length = uploadLength(headers);
  const deferred = headers['upload-defer-length'];
  if (deferred === undefined) {
    if (length === undefined) throw new FragoError('INVALID_SIZE', 'Upload-Length is required, or Upload-Defer-Length: 1');
    return length;
  }
  if (deferred.trim() !== '1') throw new FragoError('INVALID_REQUEST', 'Upload-Defer-Length must be 1');
  if (length !== undefined) throw new FragoError('INVALID_SIZE', 'Send Upload-Length or Upload-Defer-Length, not both');
  return null;
}

/** `Upload-Offset`, which a PATCH must send. @throws {FragoError} `INVALID_REQUEST`. */
export function uploadOffset(headers: FragoRequest['headers']): number {
  const offset = byteCount(headers, 'Upload-Offset', 'INVALID_REQUEST');
  if (offset === undefined) throw new FragoError('INVALID_REQUEST', 'Upload-Offset is required');
  return offset;
}

/** `Content-Length`; undefined when the body's length is not declared. @throws {FragoError} `INVALID_REQUEST`. */
export function contentLength(headers: FragoRequest['headers']): number | undefined {
  return byteCount(headers, 'Content-Length', 'INVALID_REQUEST');
}

/** True when the body is tus bytes (`application/offset+octet-stream`). */
export function carriesBytes(headers: FragoRequest['headers']): boolean {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === OFFSET_OCTET_STREAM;
}

/** @throws {FragoError} `UNSUPPORTED_MEDIA_TYPE` unless the body is `application/offset+octet-stream`. */
export function assertBytes(headers: FragoRequest['headers']): void {
  if (!carriesBytes(headers)) throw new FragoError('UNSUPPORTED_MEDIA_TYPE', `Send the bytes as ${OFFSET_OCTET_STREAM}`);
}

/**
 * `Upload-Checksum: <algorithm> <base64 digest>` as a chunk digest; null when absent.
 *
 * @throws {FragoError} `UNSUPPORTED_CHECKSUM` for an algorithm not served,
 * `INVALID_REQUEST` for a malformed value.
 */
export function uploadChecksum(headers: FragoRequest['headers']): ChunkDigest | null {
  const value = headers['upload-checksum'];
  if (value === undefined) return null;
  const [name = '', digest = '', extra] = value.trim().split(/\s+/);
  const key = name.toLowerCase();
  const algorithm = Object.hasOwn(TUS_CHECKSUM_ALGORITHMS, key) ? TUS_CHECKSUM_ALGORITHMS[key] : undefined;
  if (algorithm === undefined) {
    const allowed = Object.keys(TUS_CHECKSUM_ALGORITHMS);
    throw new FragoError('UNSUPPORTED_CHECKSUM', `Upload-Checksum must use one of: ${allowed.join(', ')}`, { details: { allowed } });
  }
  const bytes = extra === undefined ? base64Bytes(digest) : undefined;
  if (bytes === undefined || bytes.length === 0) {
    throw new FragoError('INVALID_REQUEST', 'Upload-Checksum must be "<algorithm> <base64 digest>"');
  }
  return { algorithm, hex: Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('') };
}

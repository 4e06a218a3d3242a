import { FragoError } from '../../errors.js';
import type { FragoRequest } from '../../protocol.js';

// Structured-field items (RFC 9651) the draft's headers carry, read strictly: a value
// that is not the item the draft names is refused, never guessed at.

type Headers = FragoRequest['headers'];

// An sf-integer has at most 15 digits; the draft's are never negative.
const NON_NEGATIVE_INTEGER = /^\d{1,15}$/;
// An sf-boolean, optionally with parameters, which the draft defines none of.
const BOOLEAN = /^\?([01])(?:;[a-z*][a-z0-9_.*-]*(?:=[^;]*)?)*$/;

/** True when the request carries `Upload-Complete`, whatever its value: it speaks the draft. */
export function speaksDraft(headers: Headers): boolean {
  return headers['upload-complete'] !== undefined;
}

/** `Upload-Complete` as a boolean. @throws {FragoError} `INVALID_REQUEST` when absent or not `?0` / `?1`. */
export function uploadComplete(headers: Headers): boolean {
  const match = BOOLEAN.exec(headers['upload-complete']?.trim() ?? '');
  if (match === null) throw new FragoError('INVALID_REQUEST', 'Upload-Complete must be ?0 or ?1');
  return match[1] === '1';
}

/** A non-negative sf-integer header; undefined when absent. @throws {FragoError} `code` otherwise. */
function integerField(headers: Headers, name: string, code: 'INVALID_SIZE' | 'INVALID_REQUEST'): number | undefined {
  const value = headers[name.toLowerCase()]?.trim();
  if (value === undefined) return undefined;
  if (!NON_NEGATIVE_INTEGER.test(value)) throw new FragoError(code, `${name} must be a whole number of bytes, zero or more`);
  return Number(value);
}

/** `Upload-Length`; undefined when absent. @throws {FragoError} `INVALID_SIZE`. */
export function uploadLength(headers: Headers): number | undefined {
  return integerField(headers, 'Upload-Length', 'INVALID_SIZE');
}

/** `Upload-Offset`, which an append must send. @throws {FragoError} `INVALID_REQUEST`. */
export function uploadOffset(headers: Headers): number {
  const offset = integerField(headers, 'Upload-Offset', 'INVALID_REQUEST');
  if (offset === undefined) throw new FragoError('INVALID_REQUEST', 'Upload-Offset is required');
  return offset;
}

/**
 * How many bytes the body carries: `Content-Length`, or 0 for a request without a
 * body; undefined for a body of undeclared length (`Transfer-Encoding: chunked`).
 *
 * @throws {FragoError} `INVALID_REQUEST` for a malformed `Content-Length`.
 */
export function bodyLength(headers: Headers): number | undefined {
  const declared = integerField(headers, 'Content-Length', 'INVALID_REQUEST');
  if (declared !== undefined) return declared;
  return headers['transfer-encoding'] === undefined ? 0 : undefined;
}

/** The interop version the client names, when it is one served; undefined otherwise. */
export function interopVersion(headers: Headers, served: readonly string[]): string | undefined {
  const value = headers['upload-draft-interop-version']?.trim();
  return value !== undefined && served.includes(value) ? value : undefined;
}

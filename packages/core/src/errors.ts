/**
 * Every error frago reports, with the HTTP status it maps to. One table, so that a
 * code can never be thrown without a status, and the docs can list them all.
 */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  INVALID_FILENAME: 400,
  INVALID_SIZE: 400,
  INVALID_RANGE: 400,
  INVALID_UPLOAD_ID: 400,
  BODY_LENGTH_MISMATCH: 400,
  MISSING_FILE_FIELD: 400,
  UNSUPPORTED_CHECKSUM: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  UPLOAD_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TIMEOUT: 408,
  RANGE_CONFLICT: 409,
  RANGE_IN_FLIGHT: 409,
  UPLOAD_INCOMPLETE: 409,
  UPLOAD_BUSY: 409,
  UPLOAD_COMPLETED: 409,
  OFFSET_MISMATCH: 409,
  UPLOAD_EXPIRED: 410,
  UPLOAD_ABORTED: 410,
  UPLOAD_TOO_LARGE: 413,
  CHUNK_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_VERSION: 412,
  CHECKSUM_MISMATCH: 422,
  DIGEST_MISMATCH: 422,
  TOO_MANY_UPLOADS: 429,
  CLIENT_ABORTED: 499,
  INTERNAL_ERROR: 500,
  STORAGE_FAILED: 500,
  UNSUPPORTED_TRANSFER_CODING: 501,
  REPOSITORY_FAILED: 503,
  SHUTTING_DOWN: 503,
} as const;

/** A machine-readable error code; the `error` field of every failed response. */
export type FragoErrorCode = keyof typeof ERROR_STATUS;

/**
 * The codes that mean the server failed, not that it refused the request (as
 * `UNSUPPORTED_TRANSFER_CODING` or `SHUTTING_DOWN` do): their cause is logged.
 */
export const SERVER_FAILURES: ReadonlySet<FragoErrorCode> = new Set(['INTERNAL_ERROR', 'STORAGE_FAILED', 'REPOSITORY_FAILED']);

/** Extra facts about an error that are safe to show the caller (e.g. missing ranges). */
export type FragoErrorDetails = Record<string, unknown>;

/**
 * The one error type frago throws. `message` is written for the caller and never
 * carries internal paths, SQL or stack text; the original failure, if any, is kept in
 * `cause` for logs.
 */
export class FragoError extends Error {
  override readonly name = 'FragoError';
  readonly code: FragoErrorCode;
  readonly statusCode: number;
  readonly details: FragoErrorDetails | undefined;

  constructor(code: FragoErrorCode, message: string, options?: { cause?: unknown; details?: FragoErrorDetails }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
    this.details = options?.details;
  }
}

/** True for a {@link FragoError}, optionally of one code. */
export function isFragoError(value: unknown, code?: FragoErrorCode): value is FragoError {
  return value instanceof FragoError && (code === undefined || value.code === code);
}

/**
 * Wraps any failure from a port into a typed error, keeping the original as `cause`.
 * A {@link FragoError} passes through unchanged.
 */
export function wrapError(error: unknown, code: FragoErrorCode, message: string): FragoError {
  return isFragoError(error) ? error : new FragoError(code, message, { cause: error });
}

/**
 * What went wrong, from the client's point of view:
 *
 * - `NETWORK`: the server could not be reached or the connection dropped, on every try.
 * - `TIMEOUT`: a request took longer than `requestTimeoutMs`, on every try.
 * - `SERVER_ERROR`: the server answered 5xx (or 429) on every try.
 * - `REFUSED`: the server refused the request (a 4xx that cannot succeed by retrying);
 *   `serverCode` says why (`UPLOAD_TOO_LARGE`, `FORBIDDEN`, ...).
 * - `NOT_FOUND`: the upload id is unknown to the server (or belongs to someone else).
 * - `EXPIRED`: the upload expired or was aborted on the server; start a new one.
 * - `CHECKSUM_MISMATCH`: the server assembled bytes whose checksum differs from the
 *   file's (`details.expected`, `details.actual`); the file changed or bytes were corrupted.
 * - `CANCELLED`: the caller aborted (its `AbortSignal`, or `cancel()`).
 * - `READ_FAILED`: the file could not be read (moved, changed, unreadable).
 * - `INVALID_ARGUMENT`: a bad option or input, found before anything was sent.
 * - `PROTOCOL`: the server's answer is not what the frago API promises.
 */
export type ClientErrorCode =
  | 'NETWORK'
  | 'TIMEOUT'
  | 'SERVER_ERROR'
  | 'REFUSED'
  | 'NOT_FOUND'
  | 'EXPIRED'
  | 'CHECKSUM_MISMATCH'
  | 'CANCELLED'
  | 'READ_FAILED'
  | 'INVALID_ARGUMENT'
  | 'PROTOCOL';

/** Options of {@link FragoClientError}. */
export interface ClientErrorOptions {
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** The server's error code (the `error` field of its answer), when it sent one. */
  readonly serverCode?: string;
  /** Extra fields of the server's answer (`missing`, `expected`, `actual`, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** True when the same request may succeed later (network, timeout, 5xx, 429, range in flight). */
  readonly retryable?: boolean;
  /** Seconds the server asked to wait (`Retry-After`). */
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

/** The one error type the client throws; `code` says what happened. */
export class FragoClientError extends Error {
  override readonly name = 'FragoClientError';
  readonly code: ClientErrorCode;
  readonly status: number | undefined;
  readonly serverCode: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ClientErrorCode, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.serverCode = options.serverCode;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True for a {@link FragoClientError}, optionally of one code. */
export function isFragoClientError(value: unknown, code?: ClientErrorCode): value is FragoClientError {
  return value instanceof FragoClientError && (code === undefined || value.code === code);
}

/** The `CANCELLED` error for an aborted signal, keeping its reason as the cause. */
export function cancelledError(signal: AbortSignal): FragoClientError {
  return new FragoClientError('CANCELLED', 'The upload was cancelled', { cause: signal.reason });
}

import { cancelledError, FragoClientError, type ClientErrorCode } from './errors.js';
import { anySignal } from './signals.js';
import { plainCause } from './system-error.js';
import type { ChunkBody } from './source.js';

/** Extra request headers: fixed, or computed before every request (e.g. a fresh auth token). */
export type HeaderSource =
  | Readonly<Record<string, string>>
  | (() => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>);

/** What {@link Http} needs to send requests. */
export interface HttpOptions {
  /** The API's base URL, absolute, without a trailing slash. */
  readonly endpoint: string;
  readonly headers?: HeaderSource;
  readonly requestTimeoutMs: number;
  readonly fetch: typeof fetch;
}

/** One request to the frago API. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The upload the request is about; absent for `POST /upload/`. */
  readonly uploadId?: string;
  /** Below the upload: `parts` for `POST /upload/:id/parts`. */
  readonly below?: 'parts';
  /** A JSON body. */
  readonly json?: unknown;
  /** A raw body (a chunk). */
  readonly body?: ChunkBody;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** A successful answer. */
export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/**
 * Resolves the API's base URL; a relative one (`/upload`) against the page's location
 * in a browser.
 *
 * @throws {FragoClientError} `INVALID_ARGUMENT` when it is not a usable http(s) URL.
 */
export function resolveEndpoint(endpoint: string | URL): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL;
  try {
    url = new URL(String(endpoint), page);
  } catch (cause) {
    throw new FragoClientError('INVALID_ARGUMENT', `The endpoint "${String(endpoint)}" is not a URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FragoClientError('INVALID_ARGUMENT', `The endpoint must be an http(s) URL, got "${url.href}"`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

const RETRY_LATER = new Set(['RANGE_IN_FLIGHT', 'UPLOAD_BUSY']);

/** The `<Code>` of an S3 error document. */
const STORE_ERROR_CODE = /<Code>\s*([A-Za-z]+)\s*<\/Code>/;

/** The typed error for a failed answer; retryable for 5xx, 429, and a range or finalize in progress. */
export function errorFromAnswer(status: number, body: unknown, retryAfterHeader: string | null = null): FragoClientError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const serverCode = typeof fields.error === 'string' ? fields.error : undefined;
  const { status: _ok, error: _code, message: serverMessage, ...details } = fields;
  const message = typeof serverMessage === 'string' && serverMessage !== '' ? serverMessage : `The server answered HTTP ${status}`;
  let code: ClientErrorCode = 'REFUSED';
  if (status >= 500) code = 'SERVER_ERROR';
  else if (status === 404 && serverCode === 'UPLOAD_NOT_FOUND') code = 'NOT_FOUND';
  else if (status === 410) code = 'EXPIRED';
  else if (serverCode === 'CHECKSUM_MISMATCH') code = 'CHECKSUM_MISMATCH';
  const retryable = status >= 500 || status === 429 || (serverCode !== undefined && RETRY_LATER.has(serverCode));
  return new FragoClientError(code, message, {
    status,
    serverCode,
    details,
    retryable,
    retryAfterSeconds: retryAfter(retryAfterHeader),
  });
}

function isStreamBody(body: ChunkBody | undefined): boolean {
  return body !== undefined && !(body instanceof Uint8Array) && !(typeof Blob !== 'undefined' && body instanceof Blob);
}

/** Sends requests to the frago API: headers, a timeout per request, typed errors. */
export class Http {
  constructor(readonly options: HttpOptions) {}

  /** The URL of the API (no id), of one upload, or of what is `below` it. */
  url(uploadId?: string, below?: string): string {
    if (uploadId === undefined) return `${this.options.endpoint}/`;
    const upload = `${this.options.endpoint}/${encodeURIComponent(uploadId)}`;
    return below === undefined ? `${upload}/` : `${upload}/${below}`;
  }

  /**
   * Sends one request (no retries) and parses the JSON answer.
   *
   * @throws {FragoClientError} `NETWORK` or `TIMEOUT` (retryable), `CANCELLED` when
   * `request.signal` aborts, an error from {@link errorFromAnswer} for a failed
   * status, `PROTOCOL` for a success that is not JSON.
   */
  async send<T>(request: HttpRequest): Promise<HttpAnswer<T>> {
    // The caller's header function may fail (no token): that is its own error, not a network one.
    const extra = typeof this.options.headers === 'function' ? await this.options.headers() : this.options.headers;
    const headers: Record<string, string> = { ...extra, ...request.headers };
    let body = request.body;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = new TextEncoder().encode(JSON.stringify(request.json));
    }
    return this.exchange(this.url(request.uploadId, request.below), { method: request.method, headers, body }, request.signal, async (response) => {
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!response.ok) throw errorFromAnswer(response.status, parsed, response.headers.get('retry-after'));
      if (typeof parsed !== 'object' || parsed === null) {
        throw new FragoClientError('PROTOCOL', `The server answered HTTP ${response.status} without a JSON body`, { status: response.status });
      }
      return { status: response.status, body: parsed as T };
    });
  }

  /**
   * Sends one part of a direct upload to the URL the server signed for it (no API
   * headers: the URL carries its own authority), once, within the request timeout.
   *
   * @throws {FragoClientError} as {@link Http.send}; for a refusal of the store,
   * `REFUSED` with the store's error code as `serverCode` (`BadDigest`), retryable for
   * 403 (the URL may have expired: sign it again), for 400 `BadDigest` (the bytes changed
   * on the way: send them again) and, like 5xx and 429 (`SERVER_ERROR`), for a store
   * that is busy.
   */
  async put(url: string, headers: Readonly<Record<string, string>>, body: ChunkBody, signal: AbortSignal): Promise<void> {
    await this.exchange(url, { method: 'PUT', headers: { ...headers }, body }, signal, async (response) => {
      const text = await response.text();
      if (response.ok) return;
      const storeCode = STORE_ERROR_CODE.exec(text)?.[1];
      const retryable = response.status >= 500 || response.status === 429 || response.status === 403 || storeCode === 'BadDigest';
      const named = storeCode === undefined ? '' : ` (${storeCode})`;
      throw new FragoClientError(response.status >= 500 ? 'SERVER_ERROR' : 'REFUSED', `The store answered HTTP ${response.status}${named} to a part`, {
        status: response.status,
        serverCode: storeCode,
        retryable,
        retryAfterSeconds: retryAfter(response.headers.get('retry-after')),
      });
    });
  }

  /** One fetch of `url` within the request timeout, its answer read by `read`; failures typed. */
  private async exchange<T>(
    url: string,
    request: { readonly method: string; readonly headers: Record<string, string>; readonly body: ChunkBody | undefined },
    callerSignal: AbortSignal,
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.requestTimeoutMs);
    const { signal, release } = anySignal([callerSignal, timeout.signal]);
    try {
      // Node's fetch takes streams and any Uint8Array; the DOM's typings name fewer body types.
      const init: RequestInit & { duplex?: 'half' } = {
        method: request.method,
        headers: request.headers,
        body: (request.body ?? null) as RequestInit['body'],
        signal,
      };
      if (isStreamBody(request.body)) init.duplex = 'half';
      return await read(await this.options.fetch(url, init));
    } catch (error) {
      if (error instanceof FragoClientError) throw error;
      // A body stream that failed to read the file surfaces as fetch's cause.
      if (error instanceof Error && error.cause instanceof FragoClientError) throw error.cause;
      if (callerSignal.aborted) throw cancelledError(callerSignal);
      if (timeout.signal.aborted) {
        throw new FragoClientError('TIMEOUT', `No answer within ${this.options.requestTimeoutMs} ms`, { retryable: true, cause: error });
      }
      // "fetch failed" alone tells nothing; the system error under it names the cause.
      const host = new URL(url).host;
      throw new FragoClientError('NETWORK', `The request to ${host} failed: ${plainCause(error)}`, { retryable: true, cause: error });
    } finally {
      clearTimeout(timer);
      release();
    }
  }
}

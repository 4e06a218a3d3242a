import { FragoError } from './errors.js';

/**
 * Cross-origin access for browser clients on other origins. Off unless configured:
 * without it, no CORS header is ever sent and a preflight gets `405`.
 */
export interface CorsOptions {
  /**
   * Which origins may call the API: `'*'` for any, a list of exact origins
   * (`https://app.example.com`), or a function deciding per origin.
   */
  readonly origin: '*' | readonly string[] | ((origin: string) => boolean | Promise<boolean>);
  /**
   * Lets browsers send cookies or HTTP authentication (`Access-Control-Allow-Credentials`).
   * The allowed origin is then always echoed, never `*`. Default false.
   */
  readonly credentials?: boolean;
  /**
   * Request headers a client may send besides the ones the protocol reads (frago's
   * `Content-Type`, `Content-Range`, `Content-Digest`, `Content-MD5`; tus's own), e.g. `Authorization` or the
   * header an identity resolver reads.
   */
  readonly allowHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. Default 600. */
  readonly maxAgeSeconds?: number;
}

/** What a protocol tells browsers it uses: its methods, the headers it reads, the headers it answers with. */
export interface CorsWire {
  readonly methods: readonly string[];
  /** Request headers the protocol reads, lowercase. */
  readonly requestHeaders: readonly string[];
  /** Response headers a client needs that browsers hide by default, lowercase. */
  readonly exposedHeaders: readonly string[];
}

/** The frago protocol's methods and headers. */
export const FRAGO_CORS_WIRE: CorsWire = {
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'],
  requestHeaders: [
    'content-type',
    'content-range',
    'content-digest',
    'content-md5',
    // The resumable-upload draft, served on the same endpoint.
    'content-disposition',
    'repr-digest',
    'upload-complete',
    'upload-offset',
    'upload-length',
    'upload-draft-interop-version',
    // frago's metadata on a draft creation.
    'frago-metadata',
  ],
  exposedHeaders: ['location', 'retry-after', 'upload-complete', 'upload-offset', 'upload-length', 'upload-limit'],
};

async function allowed(options: CorsOptions, origin: string): Promise<boolean> {
  if (options.origin === '*') return true;
  if (typeof options.origin === 'function') return (await options.origin(origin)) === true;
  return options.origin.includes(origin);
}

/**
 * The CORS headers for a request from `origin`, or null when the origin may not call
 * the API (the response then carries no CORS header and the browser hides it).
 */
export async function corsHeaders(
  options: CorsOptions,
  origin: string,
  wire: CorsWire = FRAGO_CORS_WIRE,
): Promise<Record<string, string> | null> {
  if (!(await allowed(options, origin))) return null;
  const echo = options.origin !== '*' || options.credentials === true;
  return {
    'access-control-allow-origin': echo ? origin : '*',
    ...(echo ? { vary: 'Origin' } : {}),
    ...(options.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    'access-control-expose-headers': wire.exposedHeaders.join(', '),
  };
}

/**
 * The headers answering a preflight (`OPTIONS` with `Access-Control-Request-Method`)
 * from an allowed origin.
 *
 * @throws {FragoError} `FORBIDDEN` when the origin may not call the API.
 */
export async function preflightHeaders(
  options: CorsOptions,
  origin: string,
  wire: CorsWire = FRAGO_CORS_WIRE,
): Promise<Record<string, string>> {
  const headers = await corsHeaders(options, origin, wire);
  if (headers === null) throw new FragoError('FORBIDDEN', 'This origin may not call the upload API');
  const allowHeaders = [...wire.requestHeaders, ...(options.allowHeaders ?? []).map((name) => name.toLowerCase())];
  return {
    ...headers,
    'access-control-allow-methods': wire.methods.join(', '),
    'access-control-allow-headers': allowHeaders.join(', '),
    'access-control-max-age': String(options.maxAgeSeconds ?? 600),
  };
}

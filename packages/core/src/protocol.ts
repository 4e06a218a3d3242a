import type { CorsOptions } from './cors.js';
import type { IdentifyCaller, Identity } from './identity.js';

// What every HTTP protocol (frago's in ./protocol/frago/) takes and gives, so that the
// edges and adapters serve any of them alike.

/** A request as any adapter can build it: no framework types, the body as bytes. */
export interface FragoRequest {
  readonly method: string;
  /** The path, optionally with its query string. */
  readonly path: string;
  /** Header values by lowercase name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body; Node's `IncomingMessage` and web `ReadableStream`s both qualify. */
  readonly body: AsyncIterable<Uint8Array> | null;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
  /** Who is calling, as the adapter resolved it. */
  readonly identity?: Identity;
  /**
   * Resolves who is calling, when `identity` is absent. Called once, after a CORS
   * preflight is answered (preflights carry no credentials); what it throws (e.g.
   * `UNAUTHENTICATED`) becomes the response, with its CORS headers. With neither, or
   * when it returns `null`, the request is refused with `401 UNAUTHENTICATED`.
   */
  readonly identify?: IdentifyCaller;
  /**
   * Sends an interim (1xx) response before the final one, where the runtime can (the
   * Node edge on Node.js 24; Fetch runtimes cannot). Absent where it cannot.
   */
  readonly inform?: (status: number, headers: Readonly<Record<string, string>>) => void;
}

/** A response for any adapter to write: a status, headers and a JSON body. */
export interface FragoResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as JSON; `undefined` for a response without a body (tus answers mostly in headers). */
  readonly body: unknown;
  /**
   * When the server failed (`INTERNAL_ERROR`, `STORAGE_FAILED`, `REPOSITORY_FAILED`),
   * the failure behind it, with its cause and stack, for logs and the `error` event.
   * Edges never send it: the body alone is the answer.
   */
  readonly error?: unknown;
}

/** Options of an HTTP protocol. */
export interface ProtocolOptions {
  /** Where the API is mounted. Default `/upload`. */
  readonly basePath?: string;
  /** Cross-origin access for browser clients; off by default. See {@link CorsOptions}. */
  readonly cors?: CorsOptions;
}

/** An HTTP protocol: from a {@link FragoRequest} to a {@link FragoResponse}. */
export type FragoHandler = ((request: FragoRequest) => Promise<FragoResponse>) & {
  /** True when `path` belongs to this API, so an adapter can pass other requests on. */
  readonly owns: (path: string) => boolean;
  /** Where the API is mounted, normalized: a leading slash and no trailing one (`/upload`), for adapters that declare routes. */
  readonly basePath: string;
  /** Every base path this handler serves (the frago API's, and tus's when it is on), normalized, for adapters that declare routes. */
  readonly mounts: readonly string[];
};

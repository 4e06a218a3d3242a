import type { IdentifyCaller } from '../identity.js';
import type { FragoRequest } from '../protocol.js';

/** How {@link fromWebRequest} reads a request, besides the request itself. */
export interface WebRequestOptions {
  /** The path and query frago sees, when a framework mounted it under a prefix. Default: the URL's. */
  readonly path?: string;
  /** Resolves the caller when the handler asks, after a CORS preflight is answered (see {@link FragoRequest.identify}). */
  readonly identify?: IdentifyCaller;
  /**
   * A body to read instead of `request.body`, with a way to tell whether it was read
   * to its end: a runtime's own stream when it is cheaper than the web one (h3 on
   * Node passes the `IncomingMessage`, so chunks skip a web stream).
   */
  readonly body?: { readonly stream: AsyncIterable<Uint8Array>; readonly complete: () => boolean };
}

/** A {@link FragoRequest} from a web request, and whether its body was left unread. */
export interface WebEdgeRequest {
  readonly request: FragoRequest;
  /** True when the request had a body that was not read to its end (a chunk refused early). */
  readonly bodyUnread: () => boolean;
}

/**
 * Builds a {@link FragoRequest} from a web `Request`: the web edge every Fetch runtime
 * shares (the Fetch handler, h3, Hono, Bun, Deno, Next.js). The body stream is passed
 * on as it is, only watched for its end.
 */
export function fromWebRequest(request: Request, options: WebRequestOptions = {}): WebEdgeRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  // Headers joins repeated fields with ", ", as Node's reader does.
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const { stream, complete } = options.body ?? webBody(request.body);
  const fragoRequest: FragoRequest = {
    method: request.method,
    path: options.path ?? `${url.pathname}${url.search}`,
    headers,
    body: stream,
    signal: request.signal,
    ...(options.identify ? { identify: options.identify } : {}),
  };
  return { request: fragoRequest, bodyUnread: () => stream !== null && !complete() };
}

function webBody(body: ReadableStream<Uint8Array> | null): { stream: AsyncIterable<Uint8Array> | null; complete: () => boolean } {
  if (body === null) return { stream: null, complete: () => true };
  let ended = false;
  async function* watched(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const piece of source) yield piece;
    ended = true;
  }
  return { stream: watched(body), complete: () => ended };
}

import type { Frago } from './frago.js';
import type { ResolvedIdentity } from './identity.js';
import { discardBody } from './web/discard-body.js';
import { fromWebRequest } from './web/request.js';
import { toWebResponse } from './web/response.js';

/** Options of {@link fragoFetch}. */
export interface FragoFetchOptions {
  /**
   * Who is calling: `null` when nobody can be told (refused with 401), `ANONYMOUS` to
   * accept anyone; may throw a `FragoError` (e.g. `UNAUTHENTICATED`). Called only when
   * a request needs a caller, so a CORS preflight is answered without credentials, and
   * a refusal carries its CORS headers. Without it every API request is refused with 401.
   */
  readonly identify?: (request: Request) => ResolvedIdentity | Promise<ResolvedIdentity>;
}

/**
 * The frago API as a Fetch handler, `(request: Request) => Promise<Response>`, for any
 * runtime or framework that speaks the Fetch API: Hono, Bun, Deno, Next.js route
 * handlers, Cloudflare-style workers. Requests outside the frago's base path get a
 * 404 in frago's words; mount it at the base path (default `/upload`). Never rejects.
 *
 * @example
 * ```ts
 * const handler = fragoFetch(frago, { identify: (request) => identityOf('device', request.headers.get('x-device-id')) });
 * Bun.serve({ fetch: handler });
 * ```
 */
export function fragoFetch(frago: Frago, options: FragoFetchOptions = {}): (request: Request) => Promise<Response> {
  const { identify } = options;
  return async (request) => {
    const edge = fromWebRequest(request, identify ? { identify: () => identify(request) } : {});
    const response = await frago.handle(edge.request);
    // After a body timeout (408) the client has stopped sending, and nothing but closing
    // ends the request. A body refused unread is read to its end first when it is small,
    // so the connection carries the answer and the next request; otherwise it closes.
    if (response.status !== 408 && edge.bodyUnread()) await discardBody(edge.request.body, edge.request.headers['content-length']);
    return toWebResponse(response, { bodyUnread: edge.bodyUnread() });
  };
}

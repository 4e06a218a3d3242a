import type { H3Event, Middleware } from 'h3';
import { errorResponse, identityOf, type Frago, type FragoResponse, type Identity } from '@frago/core';

/** Resolves the caller from an h3 event; may throw a `FragoError` (e.g. `UNAUTHENTICATED`). */
export type H3IdentityResolver = (event: H3Event) => Identity | Promise<Identity>;

/** Options of {@link fragoH3}. */
export interface FragoH3Options {
  /**
   * Who is calling. Default: the user an earlier middleware put on `event.context.user`
   * (by its `id`), or anonymous when there is none.
   */
  readonly identify?: H3IdentityResolver;
}

const userOrAnonymous: H3IdentityResolver = (event) => identityOf('user', event.context.user);

/**
 * h3 v2 middleware serving the frago API at the frago's base path (default `/upload`);
 * other requests go on to the next middleware or route. On Node the body is read from
 * the Node request itself, so chunks flow from the socket to the storage without a web
 * stream in between; elsewhere the web request's body stream is used.
 *
 * @example
 * ```ts
 * app.use(fragoH3(frago, { identify: (event) => identityOf('user', event.context.user) }));
 * ```
 */
export function fragoH3(frago: Frago, options: FragoH3Options = {}): Middleware {
  const identify = options.identify ?? userOrAnonymous;
  return async (event, next) => {
    const path = `${event.url.pathname}${event.url.search}`;
    if (!frago.handle.owns(path)) return next();
    const node = event.runtime?.node?.req;
    let response: FragoResponse;
    try {
      response = await frago.handle({
        method: event.req.method,
        path,
        headers: Object.fromEntries(event.req.headers),
        body: node ?? event.req.body,
        signal: event.req.signal,
        identity: await identify(event),
      });
    } catch (error) {
      response = errorResponse(error);
    }
    const payload = new TextEncoder().encode(JSON.stringify(response.body));
    const headers = new Headers({ ...response.headers, 'content-length': String(payload.byteLength) });
    // A chunk refused before its bytes were read: close rather than read a body nobody wants.
    if (node && !node.complete) headers.set('connection', 'close');
    return new Response(payload, { status: response.status, headers });
  };
}

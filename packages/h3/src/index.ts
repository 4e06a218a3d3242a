import type { H3Event, Middleware } from 'h3';
import { fromWebRequest, identityOf, toWebResponse, type Frago, type ResolvedIdentity } from '@frago/core';

/** Resolves the caller from an h3 event (`null`: nobody, refused with 401); may throw a `FragoError` (e.g. `UNAUTHENTICATED`). */
export type H3IdentityResolver = (event: H3Event) => ResolvedIdentity | Promise<ResolvedIdentity>;

/** Options of {@link fragoH3}. */
export interface FragoH3Options {
  /**
   * Who is calling, resolved only when a request needs a caller (a CORS preflight is
   * answered without it). Default: the user an earlier middleware put on
   * `event.context.user` (by its `id`); a request without one is refused with 401.
   * Return `ANONYMOUS` to accept uploads from anyone.
   */
  readonly identify?: H3IdentityResolver;
}

const signedInUser: H3IdentityResolver = (event) => identityOf('user', event.context.user);

/**
 * h3 v2 middleware serving the frago API at the frago's base path (default `/upload`);
 * other requests go on to the next middleware or route. It is the web edge of
 * `@frago/core`; on Node the body is read from the Node request itself, so chunks flow
 * from the socket to the storage without a web stream in between.
 *
 * @example
 * ```ts
 * app.use(fragoH3(frago, { identify: (event) => identityOf('user', event.context.user) }));
 * ```
 */
export function fragoH3(frago: Frago, options: FragoH3Options = {}): Middleware {
  const identify = options.identify ?? signedInUser;
  return async (event, next) => {
    const path = `${event.url.pathname}${event.url.search}`;
    if (!frago.handle.owns(path)) return next();
    const node = event.runtime?.node?.req;
    const edge = fromWebRequest(event.req, {
      path,
      identify: () => identify(event),
      ...(node ? { body: { stream: node, complete: () => node.complete } } : {}),
    });
    return toWebResponse(await frago.handle(edge.request), { bodyUnread: edge.bodyUnread() });
  };
}

import { fragoFetch, type Frago, type FragoFetchOptions } from '@frago/core';

/** A Fetch handler under each method name a Next.js route file may export. */
export interface RouteHandlers {
  readonly GET: (request: Request) => Promise<Response>;
  readonly HEAD: (request: Request) => Promise<Response>;
  readonly POST: (request: Request) => Promise<Response>;
  readonly PUT: (request: Request) => Promise<Response>;
  readonly PATCH: (request: Request) => Promise<Response>;
  readonly DELETE: (request: Request) => Promise<Response>;
  readonly OPTIONS: (request: Request) => Promise<Response>;
}

/**
 * frago's Fetch handler under every method name, for a route file to re-export. Every
 * method goes to frago, so that it, not Next.js, answers CORS preflights (`OPTIONS`)
 * and the methods it does not serve (`405` in its JSON words, not an empty body).
 */
export function fragoRouteHandlers(frago: Frago, options: FragoFetchOptions = {}): RouteHandlers {
  const handler = fragoFetch(frago, options);
  return { GET: handler, HEAD: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler, OPTIONS: handler };
}

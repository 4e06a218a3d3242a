import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { identityOf, type Frago } from '@frago/core';
import { createNodeListener, type IdentityResolver } from '@frago/core/node';

/** Options of {@link fragoExpress}. */
export interface FragoExpressOptions {
  /**
   * Who is calling. Default: the user an authentication middleware put on `req.user`
   * (by its `id`); a request without one is refused with 401. Return `ANONYMOUS` to
   * accept uploads from anyone.
   */
  readonly identify?: IdentityResolver<Request>;
}

const signedInUser: IdentityResolver<Request> = (req) => identityOf('user', (req as { user?: unknown }).user);

/**
 * Express middleware serving the frago API at the frago's base path (default
 * `/upload`); other requests pass through. Chunk bodies are streamed from the socket
 * to the storage: mount no body parser for `application/octet-stream` or
 * `multipart/form-data` in front of it. A JSON body parser is harmless.
 *
 * @example
 * ```ts
 * app.use(fragoExpress(frago, { identify: (req) => identityOf('user', req.user) }));
 * ```
 */
export function fragoExpress(frago: Frago, options: FragoExpressOptions = {}): RequestHandler {
  const listener = createNodeListener<Request>(frago.handle, {
    identify: options.identify ?? signedInUser,
    url: (req) => req.originalUrl,
    parsedBody: (req) => (req.body !== null && typeof req.body === 'object' ? req.body : undefined),
  });
  return (req: Request, res: Response, next: NextFunction) => {
    listener(req, res, next).catch(next);
  };
}

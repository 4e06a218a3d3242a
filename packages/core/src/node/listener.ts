import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FragoHandler } from '../protocol.js';
import { FragoError } from '../errors.js';
import type { ResolvedIdentity } from '../identity.js';
import { toFragoRequest } from './request.js';
import { sendFragoResponse } from './response.js';

/**
 * Resolves the caller from a framework's request: `null` when nobody can be told
 * (refused with 401), `ANONYMOUS` to accept anyone; may throw a `FragoError` (e.g.
 * `UNAUTHENTICATED` for bad credentials).
 */
export type IdentityResolver<Req> = (req: Req) => ResolvedIdentity | Promise<ResolvedIdentity>;

/** Options of {@link createNodeListener}. */
export interface NodeListenerOptions<Req extends IncomingMessage> {
  /** Who is calling. Without it every API request is refused with 401. */
  readonly identify?: IdentityResolver<Req>;
  /** The full request path when the framework rewrote `req.url` (Express's `originalUrl`). */
  readonly url?: (req: Req) => string;
  /**
   * A body the framework already parsed (e.g. by a JSON body parser mounted before
   * frago), used instead of the consumed stream.
   */
  readonly parsedBody?: (req: Req) => unknown;
}

async function* jsonBytes(value: unknown): AsyncIterable<Uint8Array> {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    // A body parser in front of frago accepted JSON too deep to serialise again.
    throw new FragoError('INVALID_REQUEST', 'The JSON body is nested too deeply', { cause });
  }
  yield new TextEncoder().encode(text);
}

/**
 * A Node `(req, res, next)` listener serving the frago API; requests for other paths
 * go to `next` (or get a 404 without one). Used by the Express adapter
 * and usable with a plain `node:http` server.
 */
export function createNodeListener<Req extends IncomingMessage = IncomingMessage>(
  handle: FragoHandler,
  options: NodeListenerOptions<Req> = {},
): (req: Req, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void> {
  return async (req, res, next) => {
    const url = options.url?.(req) ?? req.url ?? '/';
    if (!handle.owns(url)) {
      if (next) next();
      else sendFragoResponse(req, res, await handle({ method: req.method ?? 'GET', path: url, headers: {}, body: null }));
      return;
    }
    const identify = options.identify;
    const request = toFragoRequest(req, res, identify ? () => identify(req) : () => null, url);
    const parsed = req.readableEnded ? options.parsedBody?.(req) : undefined;
    const response = await handle(parsed === undefined ? request : { ...request, body: jsonBytes(parsed) });
    sendFragoResponse(req, res, response);
  };
}

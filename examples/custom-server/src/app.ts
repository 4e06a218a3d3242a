import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Frago } from '@frago/core';
import { createNodeListener, type IdentityResolver } from '@frago/core/node';

/** Options of {@link createCustomServer}. */
export interface CustomServerOptions {
  /** Who is calling; may throw a `FragoError` to refuse. Default: anonymous. */
  readonly identify?: IdentityResolver<IncomingMessage>;
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * A plain `node:http` server, as an application with its own server would embed frago:
 * the frago API at its base path (default `/upload`), the application's own routes
 * next to it (here a health check at `/healthz`), and a 404 for anything else.
 */
export function createCustomServer(frago: Frago, options: CustomServerOptions = {}): Server {
  const api = createNodeListener(frago.handle, { identify: options.identify });
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, 'ok');
    api(req, res, () => reply(res, 404, 'Not found')).catch((error: unknown) => {
      // frago answers every failure itself; this is a bug in the application's own code.
      console.error(error);
      if (!res.headersSent) reply(res, 500, 'Internal error');
      else res.destroy();
    });
  });
}

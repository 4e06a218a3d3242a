// The part of Bun's API used here (the workspace type-checks against Node's types).
declare const Bun: {
  serve(options: { hostname: string; port: number; fetch: (request: Request) => Promise<Response> }): { readonly url: URL; stop(): Promise<void> };
};

/** A Fetch handler served by Bun, and how to stop it. */
export interface BunServer {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  readonly origin: string;
  stop(): Promise<void>;
}

/**
 * Serves `handler` (frago's Fetch handler, or one that wraps it) with `Bun.serve`.
 *
 * Bun resets a connection that a response closes while request bytes are still
 * unread, so a client still sending a chunk frago refused early (413, 415) would see a
 * broken pipe instead of the answer. Without `connection: close` Bun reads the rest of
 * the body and drops it (up to its `maxRequestBodySize`), and the client gets the
 * answer. After a body timeout (408) the client has stopped sending: closing is what
 * that answer needs, and nothing is left unread to reset.
 */
export function serveWithBun(handler: (request: Request) => Promise<Response>, where: { hostname: string; port: number }): BunServer {
  const server = Bun.serve({
    ...where,
    fetch: async (request) => {
      const response = await handler(request);
      if (response.status !== 408) response.headers.delete('connection');
      return response;
    },
  });
  return { origin: server.url.origin, stop: () => server.stop() };
}

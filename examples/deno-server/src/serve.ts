// The part of Deno's API used here (the workspace type-checks against Node's types).
declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen: (address: { hostname: string; port: number }) => void },
    handler: (request: Request) => Promise<Response>,
  ): { shutdown(): Promise<void> };
};

/** A Fetch handler served by Deno, and how to stop it. */
export interface DenoServer {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  readonly origin: string;
  stop(): Promise<void>;
}

/**
 * Serves `handler` (frago's Fetch handler, or one that wraps it) with `Deno.serve`.
 * Deno closes a connection whose request body was left unread and says so with its own
 * `connection: close`; the one frago sets after a body timeout (408) is dropped so that
 * the header is not sent twice.
 */
export function serveWithDeno(handler: (request: Request) => Promise<Response>, where: { hostname: string; port: number }): Promise<DenoServer> {
  return new Promise((resolve) => {
    const server = Deno.serve(
      { ...where, onListen: ({ hostname, port }) => resolve({ origin: `http://${hostname}:${port}`, stop: () => server.shutdown() }) },
      async (request) => {
        const response = await handler(request);
        response.headers.delete('connection');
        return response;
      },
    );
  });
}

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

/** Serves `handler` (frago's Fetch handler, or one that wraps it) with `Bun.serve`. */
export function serveWithBun(handler: (request: Request) => Promise<Response>, where: { hostname: string; port: number }): BunServer {
  const server = Bun.serve({ ...where, fetch: handler });
  return { origin: server.url.origin, stop: () => server.stop() };
}

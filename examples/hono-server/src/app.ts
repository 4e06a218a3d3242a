import { Hono } from 'hono';
import { fragoFetch, type Frago, type FragoFetchOptions } from '@frago/core';

/**
 * A Hono application with frago's Fetch handler at every base path frago serves (its
 * API's, default `/upload`, and tus's and the Companion endpoints' when they are on)
 * and the application's own routes beside them (here a health check at `/healthz`).
 * Hono hands frago the runtime's `Request` as it is (`c.req.raw`), so the same
 * application runs on Node, Bun, Deno or a worker.
 */
export function createHonoApp(frago: Frago, options: FragoFetchOptions = {}): Hono {
  const upload = fragoFetch(frago, options);
  const app = new Hono().get('/healthz', (c) => c.json({ ok: true }));
  for (const base of frago.handle.mounts) {
    app.all(base, (c) => upload(c.req.raw)).all(`${base}/*`, (c) => upload(c.req.raw));
  }
  return app;
}

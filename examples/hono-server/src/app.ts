import { Hono } from 'hono';
import { fragoFetch, type Frago, type FragoFetchOptions } from '@frago/core';

/**
 * A Hono application with frago's Fetch handler at the frago's base path (default
 * `/upload`) and the application's own routes beside it (here a health check at
 * `/healthz`). Hono hands frago the runtime's `Request` as it is (`c.req.raw`), so the
 * same application runs on Node, Bun, Deno or a worker.
 */
export function createHonoApp(frago: Frago, options: FragoFetchOptions = {}): Hono {
  const upload = fragoFetch(frago, options);
  const base = frago.handle.basePath;
  return new Hono()
    .get('/healthz', (c) => c.json({ ok: true }))
    .all(base, (c) => upload(c.req.raw))
    .all(`${base}/*`, (c) => upload(c.req.raw));
}

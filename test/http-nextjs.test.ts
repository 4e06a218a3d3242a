import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fetchServer, testRequestIdentity } from '@frago/conformance';
import { fragoRouteHandlers, type RouteHandlers } from '../examples/nextjs-route/src/route-handlers.js';
import { describeAdapterMatrix } from './support/http-matrix.js';

// Next.js itself is not run here (too heavy for CI on this machine): its route handlers
// are plain Fetch functions, served by method as Next.js does, which answers a method
// a route file does not export with an empty 405.
function byMethod(handlers: RouteHandlers): (request: Request) => Promise<Response> {
  return async (request) => {
    const handler = (handlers as unknown as Record<string, RouteHandlers['GET'] | undefined>)[request.method];
    return handler ? handler(request) : new Response(null, { status: 405 });
  };
}

describeAdapterMatrix('Next.js route handlers (examples/nextjs-route), plain Fetch', (frago) =>
  fetchServer(byMethod(fragoRouteHandlers(frago, { identify: testRequestIdentity }))),
);

describe('the Next.js route file', () => {
  it('exports a handler for every method, on the Node.js runtime, never cached', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'frago-next-'));
    vi.stubEnv('FRAGO_DATA_DIR', dataDir);
    const route = await import('../examples/nextjs-route/src/app/upload/[[...path]]/route.js');
    expect(Object.keys(route).sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'dynamic', 'runtime']);
    expect(route).toMatchObject({ runtime: 'nodejs', dynamic: 'force-dynamic' });
    const started = await route.POST(new Request('http://localhost/upload/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"filename":"a.bin","total_size":0}' }));
    expect(started.status).toBe(201);
    vi.unstubAllEnvs();
    await rm(dataDir, { recursive: true, force: true });
  });
});

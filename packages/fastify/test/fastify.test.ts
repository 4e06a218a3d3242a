import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, FragoError, MemoryRepository, MemoryStorage, type Frago } from '@frago/core';
import { callJson, listen, uploadFile } from '@frago/conformance';
import { fragoFastify } from '@frago/fastify';

declare module 'fastify' {
  interface FastifyRequest {
    user?: { id: string };
  }
}

describe('the Fastify plugin in an application', () => {
  const repository = new MemoryRepository();
  const frago: Frago = createFrago({ repository, storage: new MemoryStorage() });
  let server: { origin: string; close: () => Promise<void> };

  beforeAll(async () => {
    const app: FastifyInstance = Fastify({ serverFactory: (handler) => createServer(handler) });
    app.decorateRequest('user', undefined);
    app.addHook('onRequest', async (request) => {
      const name = request.headers['x-user'];
      if (typeof name === 'string') request.user = { id: name };
    });
    app.post('/echo', async (request) => ({ parsed: request.body }));
    await app.register(fragoFastify, { frago, prefix: '/api' });
    await app.register(fragoFastify, {
      frago,
      prefix: '/strict',
      identify: () => {
        throw new FragoError('UNAUTHENTICATED', 'Sign in first');
      },
    });
    await app.ready();
    server = await listen(app.server);
  });
  afterAll(() => server?.close());

  it('serves the API under the register prefix and names the upload there', async () => {
    const bytes = new Uint8Array(randomBytes(200_000));
    const alice = { 'x-user': 'carol' };
    const done = await uploadFile(`${server.origin}/api/upload`, bytes, { headers: alice });
    expect(done.status).toBe(201);
    const location = (await callJson(`${server.origin}/api/upload/`, { method: 'POST', body: { filename: 'a', total_size: 1 }, headers: alice })).headers.get('location');
    expect(location).toMatch(/^\/api\/upload\/[\w-]+\/$/);
    expect((await callJson(`${server.origin}${location}`, { headers: alice })).body).toMatchObject({ status: 'in_progress', total_size: 1 });
    expect((await fetch(`${server.origin}/upload/`)).status).toBe(404);
  });

  it('takes the identity from request.user by default', async () => {
    const bytes = new Uint8Array(randomBytes(1000));
    const done = await uploadFile(`${server.origin}/api/upload`, bytes, { headers: { 'x-user': 'alice' } });
    expect((await repository.get(done.id))?.owner).toBe('user:alice');
    const mine = await callJson(`${server.origin}/api/upload/`, { headers: { 'x-user': 'alice' } });
    expect((mine.body.uploads as Array<{ upload_id: string }>).map((upload) => upload.upload_id)).toEqual([done.id]);
    expect((await callJson(`${server.origin}/api/upload/${done.id}/`, { headers: { 'x-user': 'bob' } })).status).toBe(404);
    const nobody = await callJson(`${server.origin}/api/upload/`, { method: 'POST', body: { filename: 'a', total_size: 1 } });
    expect(nobody.status).toBe(401);
    expect(nobody.body).toMatchObject({ status: false, error: 'UNAUTHENTICATED' });
  });

  it('answers an identity failure in frago words', async () => {
    const refused = await callJson(`${server.origin}/strict/upload/`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ status: false, error: 'UNAUTHENTICATED', message: 'Sign in first' });
  });

  it('answers a malformed Content-Type with a frago 415', async () => {
    const refused = await callJson(`${server.origin}/api/upload/`, { method: 'POST', body: new Uint8Array(2), headers: { 'content-type': '/;' } });
    expect(refused.status).toBe(415);
    expect(refused.body).toMatchObject({ status: false, error: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('leaves the rest of the application its own body parsing', async () => {
    const echoed = await callJson(`${server.origin}/echo`, { method: 'POST', body: { hello: 'world' } });
    expect(echoed).toMatchObject({ status: 200, body: { parsed: { hello: 'world' } } });
  });
});

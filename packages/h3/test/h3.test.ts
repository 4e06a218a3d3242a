import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { H3 } from 'h3';
import { toNodeHandler } from 'h3/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, FragoError, MemoryRepository, MemoryStorage } from '@frago/core';
import { callJson, listen, uploadFile } from '@frago/conformance';
import { fragoH3 } from '@frago/h3';

describe('the h3 middleware in an application', () => {
  const repository = new MemoryRepository();
  const storage = new MemoryStorage();
  const frago = createFrago({ repository, storage });
  const app = new H3()
    .use((event) => {
      const name = event.req.headers.get('x-user');
      if (name) event.context.user = { id: name };
    })
    .use(fragoH3(frago))
    .use('/strict/**', fragoH3(createFrago({ repository, storage, basePath: '/strict/upload' }), {
      identify: () => {
        throw new FragoError('UNAUTHENTICATED', 'Sign in first');
      },
    }))
    .get('/hello', () => ({ hello: 'world' }));
  let server: { origin: string; close: () => Promise<void> };

  beforeAll(async () => {
    server = await listen(createServer(toNodeHandler(app)));
  });
  afterAll(() => server?.close());

  it('takes the identity from event.context.user by default', async () => {
    const done = await uploadFile(`${server.origin}/upload`, new Uint8Array(randomBytes(150_000)), { headers: { 'x-user': 'alice' } });
    expect(done.status).toBe(201);
    expect((await repository.get(done.id))?.owner).toBe('user:alice');
    expect((await callJson(`${server.origin}/upload/${done.id}/`, { headers: { 'x-user': 'bob' } })).status).toBe(404);
    expect((await callJson(`${server.origin}/upload/${done.id}/`, { headers: { 'x-user': 'alice' } })).body.status).toBe('complete');
    expect((await callJson(`${server.origin}/upload/`, { method: 'POST', body: { filename: 'a', total_size: 1 } })).status).toBe(401);
  });

  it('answers an identity failure in frago words', async () => {
    const refused = await callJson(`${server.origin}/strict/upload/`);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ status: false, error: 'UNAUTHENTICATED', message: 'Sign in first' });
  });

  it('passes other requests on to the application', async () => {
    expect(await callJson(`${server.origin}/hello`)).toMatchObject({ status: 200, body: { hello: 'world' } });
  });

  it('streams a web request body when there is no Node request (app.request, in process)', async () => {
    const bytes = new Uint8Array(randomBytes(100_000));
    const json = { 'content-type': 'application/json', 'x-user': 'alice' };
    const started = await app.request('/upload/', { method: 'POST', headers: json, body: JSON.stringify({ filename: 'web.bin', total_size: bytes.length }) });
    expect(started.status).toBe(201);
    const { upload_id: id } = (await started.json()) as { upload_id: string };
    for (const [start, end] of [[50_000, 99_999], [0, 49_999]] as const) {
      const sent = await app.request(`/upload/${id}/`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'x-user': 'alice' },
        body: bytes.slice(start, end + 1),
      });
      expect(sent.status, await sent.clone().text()).toBe(200);
    }
    const checksum = createHash('md5').update(bytes).digest('hex');
    const done = await app.request(`/upload/${id}/`, { method: 'POST', headers: json, body: JSON.stringify({ checksum }) });
    expect(done.status).toBe(201);
    expect(Buffer.from(storage.file(`${id}-web.bin`) ?? []).equals(Buffer.from(bytes))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { ANONYMOUS, createFrago, FragoError, MemoryRepository, MemoryStorage, type CorsOptions, type FragoRequest } from '@frago/core';

function handler(cors?: CorsOptions) {
  const frago = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), cors });
  return (method: string, path: string, headers: Record<string, string> = {}, extra: Partial<FragoRequest> = {}) =>
    frago.handle({ method, path: `/upload${path}`, headers, body: null, ...(extra.identify ? {} : { identity: ANONYMOUS }), ...extra });
}

const preflight = { origin: 'https://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-range' };

describe('CORS', () => {
  it('is off by default: no CORS header anywhere, and a preflight gets only the draft’s OPTIONS answer', async () => {
    const call = handler();
    const options = await call('OPTIONS', '/', preflight);
    expect(options.status).toBe(204);
    expect(options.headers['accept-patch']).toBe('application/partial-upload');
    const list = await call('GET', '/', { origin: 'https://app.example' });
    expect(list.status).toBe(200);
    for (const response of [options, list]) {
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('answers a preflight from a listed origin with the methods and headers a client needs', async () => {
    const call = handler({ origin: ['https://app.example'], allowHeaders: ['Authorization'], maxAgeSeconds: 60 });
    const response = await call('OPTIONS', '/some-id/', preflight);
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
      'access-control-allow-methods': 'GET, POST, PUT, DELETE, HEAD, PATCH',
      'access-control-allow-headers':
        'content-type, content-range, content-digest, content-md5, content-disposition, repr-digest, upload-complete, upload-offset, upload-length, upload-draft-interop-version, frago-metadata, authorization',
      'access-control-max-age': '60',
      'access-control-expose-headers': 'location, retry-after, upload-complete, upload-offset, upload-length, upload-limit',
    });
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('refuses a preflight from another origin and adds no header to its requests', async () => {
    const call = handler({ origin: ['https://app.example'] });
    const refused = await call('OPTIONS', '/', { ...preflight, origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: false, error: 'FORBIDDEN' });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const list = await call('GET', '/', { origin: 'https://evil.example' });
    expect(list.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('adds the headers to successes and errors alike, so a browser can read both', async () => {
    const call = handler({ origin: (origin) => origin.endsWith('.example') });
    const missing = await call('GET', '/00000000-0000-4000-8000-000000000000/', { origin: 'https://a.example' });
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('https://a.example');
    const created = await handler({ origin: '*' })('POST', '/', { origin: 'https://b.example', 'content-type': 'application/json' }, {
      body: (async function* () {
        yield new TextEncoder().encode('{"filename":"a","total_size":1}');
      })(),
    });
    expect(created.status).toBe(201);
    expect(created.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'location, retry-after, upload-complete, upload-offset, upload-length, upload-limit' });
    expect(created.headers.vary).toBeUndefined();
  });

  it('echoes the origin, never *, when credentials are allowed', async () => {
    const call = handler({ origin: '*', credentials: true });
    const response = await call('OPTIONS', '/', preflight);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
  });

  it('answers a preflight without resolving the caller, and gives an identity failure its CORS headers', async () => {
    const call = handler({ origin: ['https://app.example'] });
    let asked = 0;
    const identify = () => {
      asked += 1;
      throw new FragoError('UNAUTHENTICATED', 'Sign in first');
    };
    expect((await call('OPTIONS', '/', preflight, { identify })).status).toBe(200);
    expect(asked).toBe(0);
    const refused = await call('GET', '/', { origin: 'https://app.example' }, { identify });
    expect(asked).toBe(1);
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('https://app.example');
  });
});

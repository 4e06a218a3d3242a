import { expect, it, describe } from 'vitest';
import type { HttpSuiteContext } from './http-context.js';
import { TEST_BAD_CREDENTIALS, TEST_ORIGIN, TEST_SIGNED_OUT_HEADER, TEST_USER_HEADER } from './http.js';

/**
 * A browser app on another origin whose API needs a signed-in caller: its preflights
 * carry no credentials and must be answered, and a refused caller must get its 401
 * with the CORS headers, or the browser hides the refusal behind a network error.
 */
export function describeCorsIdentity(context: HttpSuiteContext): void {
  const { call, send, base, start, events } = context;
  const fromApp = { origin: TEST_ORIGIN };

  const preflight = (path: string, method: string, origin = TEST_ORIGIN) =>
    send(`${base()}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': `content-type, content-range, ${TEST_USER_HEADER}` },
    });

  describe('CORS with an identity resolver', () => {
    it('answers a preflight, which carries no credentials, with its CORS headers', async () => {
      const id = await start(10);
      for (const [path, method] of [['/', 'POST'], ['/', 'GET'], [`/${id}/`, 'PUT'], [`/${id}/`, 'POST'], [`/${id}/`, 'DELETE']] as const) {
        const response = await preflight(path, method);
        expect(response.status, `${method} ${path}`).toBe(200);
        expect(response.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
        expect(response.headers.get('access-control-allow-methods')).toContain(method);
        expect(response.headers.get('access-control-allow-headers')).toContain(TEST_USER_HEADER);
      }
    });

    it('refuses bad or missing credentials from another origin with 401 and its CORS headers, changing nothing', async () => {
      const id = await start(10);
      const before = { events: events.length, view: (await call('GET', `/${id}/`)).body };
      const chunk = { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-9/10', ...fromApp };
      const attempts = [
        await call('POST', '/', { body: { filename: 'a.bin', total_size: 10 }, headers: fromApp, user: TEST_BAD_CREDENTIALS }),
        await call('GET', '/', { headers: fromApp, user: TEST_BAD_CREDENTIALS }),
        await call('PUT', `/${id}/`, { body: new Uint8Array(10), headers: chunk, user: TEST_BAD_CREDENTIALS }),
        await call('PUT', `/${id}/`, { body: new Uint8Array(10), headers: chunk }),
        await call('POST', `/${id}/`, { body: {}, headers: fromApp, user: TEST_BAD_CREDENTIALS }),
        await call('GET', `/${id}/`, { headers: fromApp }),
        await call('DELETE', `/${id}/`, { headers: fromApp, user: TEST_BAD_CREDENTIALS }),
      ];
      for (const attempt of attempts) {
        expect(attempt.status, JSON.stringify(attempt.body)).toBe(401);
        expect(attempt.body).toMatchObject({ status: false, error: 'UNAUTHENTICATED' });
        expect(attempt.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
        expect(attempt.headers.get('access-control-expose-headers')).toContain('location');
      }
      expect({ events: events.length, view: (await call('GET', `/${id}/`)).body }).toEqual(before);
    });

    it('refuses every call whose caller the application cannot tell with 401 UNAUTHENTICATED, changing nothing', async () => {
      const id = await start(10);
      const before = { events: events.length, view: (await call('GET', `/${id}/`)).body };
      const signedOut = { [TEST_SIGNED_OUT_HEADER]: '1' };
      const chunk = { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-9/10', ...signedOut };
      const attempts = [
        await call('POST', '/', { body: { filename: 'a.bin', total_size: 10 }, headers: signedOut }),
        await call('GET', '/', { headers: signedOut }),
        await call('PUT', `/${id}/`, { body: new Uint8Array(10), headers: chunk }),
        await call('POST', `/${id}/`, { body: {}, headers: signedOut }),
        await call('GET', `/${id}/`, { headers: signedOut }),
        await call('DELETE', `/${id}/`, { headers: signedOut }),
      ];
      for (const attempt of attempts) {
        expect(attempt.status, JSON.stringify(attempt.body)).toBe(401);
        expect(attempt.body).toEqual({ status: false, error: 'UNAUTHENTICATED', message: expect.any(String) });
        expect(attempt.headers.get('access-control-allow-origin')).toBeNull();
      }
      expect({ events: events.length, view: (await call('GET', `/${id}/`)).body }).toEqual(before);
    });

    it('serves a signed-in caller from another origin with its CORS headers', async () => {
      const started = await call('POST', '/', { body: { filename: 'a.bin', total_size: 3 }, headers: fromApp, user: 'cors-user' });
      expect(started.status).toBe(201);
      expect(started.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
      const id = started.body.upload_id as string;
      const sent = await call('PUT', `/${id}/`, { body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-2/3', ...fromApp }, user: 'cors-user' });
      expect(sent.status).toBe(200);
      expect(sent.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    });

    it('gives an origin it does not allow no CORS header', async () => {
      const response = await preflight('/', 'POST', 'https://elsewhere.test');
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const elsewhere = await call('POST', '/', { body: { filename: 'a.bin', total_size: 3 }, headers: { origin: 'https://elsewhere.test' }, user: 'cors-user' });
      expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
}

import { describe, expect, it } from 'vitest';
import { createFrago, FragoError, fragoFetch, MemoryRepository, MemoryStorage, toWebResponse } from '@frago/core';

const ORIGIN = 'https://app.example';

function setup() {
  const storage = new MemoryStorage();
  const frago = createFrago({ repository: new MemoryRepository(), storage, cors: { origin: [ORIGIN] } });
  const handler = fragoFetch(frago, {
    identify: (request) => {
      if (request.headers.get('authorization') !== 'Bearer good') throw new FragoError('UNAUTHENTICATED', 'Sign in first');
      return { kind: 'user', id: 'alice' };
    },
  });
  const signedIn = { authorization: 'Bearer good', 'content-type': 'application/json' };
  return { frago, storage, handler, signedIn };
}

describe('the web edge', () => {
  it('answers with the exact content-length, and turns a body it cannot serialise into a 500 that reveals nothing', async () => {
    const fine = toWebResponse({ status: 200, headers: { 'content-type': 'application/json' }, body: { name: 'é' } });
    expect(fine.headers.get('content-length')).toBe(String(new TextEncoder().encode('{"name":"é"}').byteLength));
    const broken = toWebResponse({ status: 200, headers: {}, body: { size: 1n } });
    expect(broken.status).toBe(500);
    const text = await broken.text();
    expect(JSON.parse(text)).toEqual({ status: false, error: 'INTERNAL_ERROR', message: 'Something went wrong on the server' });
    expect(broken.headers.get('content-length')).toBe(String(text.length));
  });

  it('reads a small refused body to its end and keeps the connection; closes it after a large one', async () => {
    const { handler, signedIn } = setup();
    const started = await handler(new Request('http://x/upload/', { method: 'POST', headers: signedIn, body: '{"filename":"a.bin","total_size":10}' }));
    const { upload_id: id } = (await started.json()) as { upload_id: string };
    let pulled = 0;
    const counted = (size: number, pieces: number) =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= pieces) return controller.close();
          pulled += 1;
          controller.enqueue(new Uint8Array(size));
        },
      });
    const chunk = (range: string, body: ReadableStream<Uint8Array> | Uint8Array, length: number) =>
      handler(
        new Request(`http://x/upload/${id}/`, {
          method: 'PUT',
          headers: { ...signedIn, 'content-type': 'application/octet-stream', 'content-range': range, 'content-length': String(length) },
          body,
          duplex: 'half',
        } as RequestInit),
      );
    const refused = await chunk('bytes 0-9/11', counted(1000, 3), 3000);
    expect(refused.status).toBe(400);
    expect(pulled).toBe(3);
    expect(refused.headers.get('connection')).toBeNull();
    pulled = 0;
    const tooLarge = await chunk('bytes 0-9/11', counted(1000, 3), 64 * 2 ** 20);
    expect(tooLarge.status).toBe(400);
    expect(pulled).toBeLessThan(3);
    expect(tooLarge.headers.get('connection')).toBe('close');
    const taken = await chunk('bytes 0-9/10', new Uint8Array(10), 10);
    expect(taken.status).toBe(200);
    expect(taken.headers.get('connection')).toBeNull();
  });

  it('closes the connection when told a body was left unread, and only then', () => {
    const answer = { status: 408, headers: {}, body: { status: false } };
    expect(toWebResponse(answer, { bodyUnread: true }).headers.get('connection')).toBe('close');
    expect(toWebResponse(answer).headers.get('connection')).toBeNull();
  });

  it('answers a preflight without asking who calls, and a refused caller with its CORS headers', async () => {
    const { handler } = setup();
    const preflight = await handler(new Request('http://x/upload/', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } }));
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const refused = await handler(new Request('http://x/upload/', { method: 'POST', headers: { origin: ORIGIN, authorization: 'Bearer bad' }, body: '{}' }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await refused.json()).toMatchObject({ error: 'UNAUTHENTICATED', message: 'Sign in first' });
  });
});

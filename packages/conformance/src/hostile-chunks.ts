import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { HostileContext } from './hostile-input.js';

const octets = { 'content-type': 'application/octet-stream' };

/** Chunk requests no client should send: ranges, bodies, content types, digests, ids, stalls. */
export function describeHostileChunks(context: HostileContext): void {
  const { call, put, start, raw, base, refuseEach, observe } = context;

  /** An upload of `size` bytes with its first 100 bytes received, as hostile chunks find it. */
  async function begun(size = 1000, user?: string) {
    const bytes = new Uint8Array(randomBytes(size));
    const id = await start(size, {}, user);
    expect((await put(id, bytes, 0, 99, user)).status).toBe(200);
    return { id, bytes };
  }

  it('refuses every malformed or outside Content-Range with 400 INVALID_RANGE and changes nothing', async () => {
    const { id } = await begun();
    const forms = [
      'bytes=100-109/1000', 'bytes 100-109/1000, bytes 110-119/1000', 'bytes 100-109', 'bytes 100-/1000', 'bytes -109/1000',
      'bytes 100--109/1000', 'bytes --100-109/1000', 'bytes +100-109/1000', 'bytes 0x64-109/1000', 'bytes 100-109/1e3',
      'bytes 100-109/1000/1000', 'bytes 100 - 109/1000', 'bytes 100-109 /1000', 'bytes\t100-109/1000', 'bytes100-109/1000',
      'bytes \u00b900-109/1000', 'bytes 100.0-109/1000', 'bytes 100-109/-1000', 'bytes 100-109/0', 'bytes 00000000000000100-109/1000',
      'bytes 9007199254740993-9007199254740999/9007199254741000', 'octets 100-109/1000', 'bytes */*', 'bytes 100-109/NaN',
      `bytes ${'9'.repeat(4000)}-1/1000`, 'bytes 100-109/1000;q=1', 'null', '[object Object]',
      'bytes 1000-1009/1000', 'bytes 995-1004/1000', 'bytes 100-109/1001', 'bytes 100-109/10', 'bytes 100-99/1000',
    ];
    const tried = await refuseEach(
      forms,
      { ids: [id] },
      (header) => call('PUT', `/${id}/`, { body: new Uint8Array(10), headers: { ...octets, 'content-range': header } }),
      () => ({ status: 400, error: 'INVALID_RANGE' }),
    );
    expect(tried).toBe(33);
  });

  it('refuses bodies that do not match their range, and the wrong content types, without recording anything', async () => {
    const { id, bytes } = await begun();
    const url = `${base()}/${id}/`;
    const range = { ...octets, 'content-range': 'bytes 100-199/1000' };
    const cases: Array<{ name: string; send: () => ReturnType<typeof raw>; status: number; error: string | string[] }> = [
      { name: 'no body', send: () => raw('PUT', url, { ...range, 'content-length': '0' }, (req) => req.end()), status: 400, error: 'BODY_LENGTH_MISMATCH' },
      { name: 'chunked, short', send: () => raw('PUT', url, range, (req) => req.end(Buffer.from(bytes.subarray(100, 150)))), status: 400, error: 'BODY_LENGTH_MISMATCH' },
      { name: 'chunked, long', send: () => raw('PUT', url, range, (req) => req.end(Buffer.alloc(101))), status: 400, error: 'BODY_LENGTH_MISMATCH' },
      { name: 'length over the range', send: () => raw('PUT', url, { ...range, 'content-length': '101' }, (req) => req.end(Buffer.alloc(101))), status: 400, error: 'BODY_LENGTH_MISMATCH' },
      { name: 'json', send: () => raw('PUT', url, { ...range, 'content-type': 'application/json' }, (req) => req.end(Buffer.alloc(100))), status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'form', send: () => raw('PUT', url, { ...range, 'content-type': 'application/x-www-form-urlencoded' }, (req) => req.end(Buffer.alloc(100))), status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'html', send: () => raw('PUT', url, { ...range, 'content-type': 'text/html; charset=utf-8' }, (req) => req.end(Buffer.alloc(100))), status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'multipart without boundary', send: () => raw('PUT', url, { ...range, 'content-type': 'multipart/form-data' }, (req) => req.end(Buffer.alloc(100))), status: 400, error: ['INVALID_REQUEST', 'MISSING_FILE_FIELD'] },
      { name: 'multipart garbage', send: () => raw('PUT', url, { ...range, 'content-type': 'multipart/form-data; boundary=xyz' }, (req) => req.end(Buffer.alloc(100, 65))), status: 400, error: ['INVALID_REQUEST', 'MISSING_FILE_FIELD'] },
      { name: 'unknown digest algorithm', send: () => raw('PUT', url, { ...range, 'content-digest': 'adler=:AAAAAA==:' }, (req) => req.end(Buffer.from(bytes.subarray(100, 200)))), status: 400, error: 'INVALID_REQUEST' },
      { name: 'malformed digest', send: () => raw('PUT', url, { ...range, 'content-digest': 'sha-256=:not base64!:' }, (req) => req.end(Buffer.from(bytes.subarray(100, 200)))), status: 400, error: 'INVALID_REQUEST' },
      { name: 'short Content-MD5', send: () => raw('PUT', url, { ...range, 'content-md5': 'abc=' }, (req) => req.end(Buffer.from(bytes.subarray(100, 200)))), status: 400, error: 'INVALID_REQUEST' },
      { name: 'range over the chunk limit, tiny body', send: () => raw('PUT', `${base()}/${id}/`, { ...octets, 'content-range': `bytes 0-${context.limits.maxChunkSize}/1000` }, (req) => req.end(Buffer.alloc(10))), status: 400, error: 'INVALID_RANGE' },
    ];
    const tried = await refuseEach(cases, { ids: [id] }, (item) => item.send(), (item) => item);
    expect(tried).toBe(13);
    expect((await put(id, bytes, 100, 199)).status).toBe(200);
  });

  it('refuses a chunk over the size limit before reading it, and takes one of exactly the limit', async () => {
    const max = context.limits.maxChunkSize;
    const bytes = new Uint8Array(randomBytes(max + 10));
    const id = await start(bytes.length);
    await refuseEach(
      [max + 1, max + 10],
      { ids: [id] },
      (size) => raw('PUT', `${base()}/${id}/`, { ...octets, 'content-range': `bytes 0-${size - 1}/${bytes.length}`, 'content-length': String(size) }, (req) => {
        req.write(Buffer.from(bytes.subarray(0, 1000)));
      }),
      () => ({ status: 413, error: 'CHUNK_TOO_LARGE' }),
    );
    expect((await put(id, bytes, 0, max - 1)).status).toBe(200);
  });

  it('refuses malformed upload ids with 400 on every method, and changes nothing', async () => {
    const { id } = await begun();
    // Dot segments (`.`, `..`, `%2e%2e`) are left out: WHATWG URL parsing (h3) resolves
    // them before frago sees the request, which then names another path altogether.
    const ids = [ '..%2F..%2Fetc', '%00', 'a'.repeat(129), "1'%20OR%20'1'='1", '%E2%80%AE', 'a.b', 'a%2Fb', '~', '%20', 'id;drop'];
    const methods = ['GET', 'PUT', 'POST', 'DELETE'];
    const cases = ids.flatMap((bad) => methods.map((method) => ({ bad, method })));
    await refuseEach(
      cases,
      { ids: [id] },
      ({ bad, method }) =>
        raw(method, `${base()}/${bad}/`, method === 'PUT' ? { ...octets, 'content-range': 'bytes 0-9/1000' } : { 'content-type': 'application/json' }, (req) =>
          req.end(method === 'PUT' ? Buffer.alloc(10) : method === 'POST' ? '{}' : undefined),
        ),
      () => ({ status: 400, error: 'INVALID_UPLOAD_ID' }),
    );
  });

  it('ends a stalled body after the idle timeout with 408, and frees its range at once', async () => {
    const { id, bytes } = await begun();
    const before = await observe([id]);
    const stalled = await raw('PUT', `${base()}/${id}/`, { ...octets, 'content-range': 'bytes 100-199/1000', 'content-length': '100' }, (req) => {
      req.write(Buffer.from(bytes.subarray(100, 140)));
    });
    expect(stalled !== 'reset' && stalled.status).toBe(408);
    expect(stalled !== 'reset' && stalled.body).toMatchObject({ status: false, error: 'BODY_TIMEOUT' });
    expect(stalled !== 'reset' && stalled.headers.connection).toBe('close');
    expect(await observe([id])).toEqual(before);
    const view = await call('GET', `/${id}/`);
    expect(view.body.in_flight).toEqual([]);
    expect((await put(id, bytes, 100, 199)).status).toBe(200);
  });
}

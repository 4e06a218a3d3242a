import { createHash, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { CallResult } from './http-context.js';
import type { HostileContext } from './hostile-input.js';
import { TEST_USER_HEADER } from './test-identity.js';

const PARTIAL = { 'content-type': 'application/partial-upload' };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

// Not structured-field booleans, or not the draft's: each must be refused, never read as true or false.
const NOT_BOOLEANS = ['?2', 'true', '1', '0', '?', '?1?', '"?1"', '?01', '?1, ?0', '?true', '', 'yes'];
// Not non-negative structured-field integers.
const NOT_COUNTS = ['-1', '1.5', '1e3', 'abc', '9'.repeat(16), '0x10', '+5', ' ', '10, 20', '1_000', 'NaN', 'Infinity', '-0.0'];

/**
 * Requests of the resumable-upload draft no client should send, on frago's endpoint:
 * malformed `Upload-Complete`, `Upload-Offset` and `Upload-Length`, lengths that
 * disagree or go past the upload, the wrong media type, unknown digest algorithms and
 * another identity's upload. Each gets the draft's 4xx and changes nothing.
 */
export function describeHostileDraft(context: HostileContext): void {
  const { base, send, call, refuseEach } = context;

  /** An upload of 1000 bytes created through the draft by `user`, its first 100 bytes appended. */
  async function begun(user = 'draft-owner') {
    const bytes = new Uint8Array(randomBytes(1000));
    const created = await send(`${base()}/`, { method: 'POST', headers: { [TEST_USER_HEADER]: user, 'upload-complete': '?0', 'upload-length': '1000' } });
    expect(created.status).toBe(201);
    const id = (created.headers.get('location') ?? '').replace(/\/$/, '').split('/').pop() ?? '';
    const first = await append(id, bytes.subarray(0, 100), { 'upload-offset': '0', 'upload-complete': '?0' }, user);
    expect(first.status).toBe(204);
    return { id, bytes, user };
  }

  /** A PATCH to the upload; its (possibly empty) JSON answer read as the suite reads every answer. */
  async function append(id: string, body: Uint8Array, headers: Record<string, string>, user: string | undefined): Promise<CallResult> {
    const response = await send(`${base()}/${id}/`, { method: 'PATCH', headers: { ...PARTIAL, ...(user ? { [TEST_USER_HEADER]: user } : {}), ...headers }, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  it('refuses draft creations with a malformed Upload-Complete or Upload-Length, lengths that disagree or unknown digests, creating nothing', async () => {
    const users = ['draft-creator'];
    const creations: Array<{ headers: Record<string, string>; body?: Uint8Array; status: number; error: string }> = [
      ...NOT_BOOLEANS.map((value) => ({ headers: { 'upload-complete': value, 'upload-length': '10' }, status: 400, error: 'INVALID_REQUEST' })),
      ...NOT_COUNTS.map((value) => ({ headers: { 'upload-complete': '?0', 'upload-length': value }, status: 400, error: 'INVALID_SIZE' })),
      { headers: { 'upload-complete': '?0' }, status: 400, error: 'INVALID_SIZE' },
      { headers: { 'upload-complete': '?0', 'upload-length': String(context.limits.maxUploadSize + 1) }, status: 413, error: 'UPLOAD_TOO_LARGE' },
      { headers: { 'upload-complete': '?1', 'upload-length': '11' }, body: new Uint8Array(10), status: 400, error: 'INVALID_SIZE' },
      { headers: { 'upload-complete': '?0', 'upload-length': '10' }, body: new Uint8Array(11), status: 400, error: 'INVALID_RANGE' },
      { headers: { 'upload-complete': '?1', 'repr-digest': 'adler=:AAAAAA==:' }, body: new Uint8Array(10), status: 400, error: 'INVALID_REQUEST' },
      { headers: { 'upload-complete': '?1', 'repr-digest': 'sha-256=:not base64!:' }, body: new Uint8Array(10), status: 400, error: 'INVALID_REQUEST' },
      { headers: { 'upload-complete': '?1', 'content-digest': 'unixsum=:AAAA:' }, body: new Uint8Array(10), status: 400, error: 'INVALID_REQUEST' },
      { headers: { 'upload-complete': '?1', 'repr-digest': 'sha-256' }, body: new Uint8Array(10), status: 400, error: 'INVALID_REQUEST' },
    ];
    const tried = await refuseEach(
      creations,
      { ids: [], users },
      (item) => call('POST', '/', { body: item.body ?? new Uint8Array(0), headers: item.headers, user: users[0] }),
      (item) => item,
    );
    expect(tried).toBe(NOT_BOOLEANS.length + NOT_COUNTS.length + 8);
  });

  it('refuses a Frago-Metadata that is not base64url of a JSON object, or too large, as a JSON start refuses its metadata, creating nothing', async () => {
    const users = ['draft-metadata'];
    const encoded = (text: string | Uint8Array) => Buffer.from(text).toString('base64url');
    const nested = (depth: number) => `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const values: Array<{ value: string; status: number; error: string }> = [
      ...['not base64!', 'e30=x', 'eyJhIjoxfQ=', 'e', 'eyJh Ijox fQ', 'e+8/', '%7B%7D'].map((value) => ({ value, status: 400, error: 'INVALID_REQUEST' })),
      ...['{', '{"a":1,}', 'null', '"text"', '42', 'true', '[]', '[{"a":1}]', '{"a":1}{"b":2}'].map((text) => ({ value: encoded(text), status: 400, error: 'INVALID_REQUEST' })),
      { value: encoded(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), status: 400, error: 'INVALID_REQUEST' },
      { value: encoded(nested(40)), status: 400, error: 'INVALID_REQUEST' },
      { value: encoded(`${'{"a":'.repeat(500)}1${'}'.repeat(500)}`), status: 400, error: 'INVALID_REQUEST' },
      { value: encoded(JSON.stringify({ pad: 'x'.repeat(6200) })), status: 413, error: 'BODY_TOO_LARGE' },
      { value: 'A'.repeat(8193), status: 413, error: 'BODY_TOO_LARGE' },
    ];
    const creations = values.flatMap(({ value, status, error }): Array<{ headers: Record<string, string>; body: Uint8Array; status: number; error: string }> => [
      { headers: { 'upload-complete': '?1', 'frago-metadata': value }, body: new Uint8Array(10), status, error },
      { headers: { 'upload-complete': '?0', 'upload-length': '10', 'frago-metadata': value }, body: new Uint8Array(0), status, error },
    ]);
    const tried = await refuseEach(
      creations,
      { ids: [], users },
      (item) => call('POST', '/', { body: item.body, headers: item.headers, user: users[0] }),
      (item) => item,
    );
    expect(tried).toBe(2 * values.length);
  });

  it('keeps the metadata of Frago-Metadata as a JSON start keeps its metadata', async () => {
    const text = `{"camera":"a","tags":["été","x"],"nested":{"depth":[1,{"ok":true}]},"none":null,"__proto__":{"polluted":true}}`;
    const whole = await call('POST', '/', { body: new Uint8Array(10), headers: { 'upload-complete': '?1', 'frago-metadata': Buffer.from(text).toString('base64url') } });
    expect(whole.status).toBe(201);
    const started = await send(`${base()}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"filename":"upload","total_size":10,"metadata":${text}}` });
    expect(started.status).toBe(201);
    const startedId = ((await started.json()) as { upload_id: string }).upload_id;
    const viewOf = async (id: unknown) => (await call('GET', `/${String(id)}/`)).body.metadata;
    expect(await viewOf(whole.body.upload_id)).toEqual(await viewOf(startedId));
    expect(await viewOf(whole.body.upload_id)).toMatchObject({ camera: 'a', tags: ['été', 'x'], nested: { depth: [1, { ok: true }] }, none: null });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const padded = Buffer.from('{"k":"v?"}').toString('base64');
    const created = await send(`${base()}/`, { method: 'POST', headers: { 'upload-complete': '?0', 'upload-length': '4', 'frago-metadata': padded.replace(/\+/g, '-').replace(/\//g, '_') } });
    expect(created.status).toBe(201);
    const id = (created.headers.get('location') ?? '').replace(/\/$/, '').split('/').pop();
    expect(await viewOf(id)).toEqual({ k: 'v?' });
  });

  it('refuses malformed, mismatching and past-the-end draft appends, and the wrong media type, with nothing written', async () => {
    const { id, bytes, user } = await begun();
    const next = bytes.subarray(100, 200);
    const cases: Array<{ headers: Record<string, string>; body?: Uint8Array; status: number; error: string }> = [
      ...NOT_COUNTS.map((value) => ({ headers: { 'upload-offset': value, 'upload-complete': '?0' }, status: 400, error: 'INVALID_REQUEST' })),
      ...NOT_BOOLEANS.map((value) => ({ headers: { 'upload-offset': '100', 'upload-complete': value }, status: 400, error: 'INVALID_REQUEST' })),
      { headers: { 'upload-offset': '100' }, status: 400, error: 'INVALID_REQUEST' },
      { headers: { 'upload-complete': '?0' }, status: 400, error: 'INVALID_REQUEST' },
      ...NOT_COUNTS.map((value) => ({ headers: { 'upload-offset': '100', 'upload-complete': '?0', 'upload-length': value }, status: 400, error: 'INVALID_SIZE' })),
      { headers: { 'upload-offset': '100', 'upload-complete': '?0', 'upload-length': '2000' }, status: 400, error: 'INVALID_SIZE' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?0' }, body: new Uint8Array(901), status: 400, error: 'INVALID_RANGE' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?1' }, body: new Uint8Array(901), status: 400, error: 'INVALID_SIZE' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?1' }, status: 400, error: 'INVALID_SIZE' },
      { headers: { 'upload-offset': '0', 'upload-complete': '?0' }, status: 409, error: 'OFFSET_MISMATCH' },
      { headers: { 'upload-offset': '200', 'upload-complete': '?0' }, status: 409, error: 'OFFSET_MISMATCH' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?0', 'content-type': 'application/octet-stream' }, status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?0', 'content-type': 'application/offset+octet-stream' }, status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?0', 'content-type': 'application/json' }, status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?0', 'content-digest': 'adler=:AAAAAA==:' }, status: 400, error: 'INVALID_REQUEST' },
      { headers: { 'upload-offset': '100', 'upload-complete': '?0', 'content-digest': `sha-256=:${sha256(bytes.subarray(0, 100))}:` }, status: 422, error: 'DIGEST_MISMATCH' },
    ];
    const tried = await refuseEach(
      cases,
      { ids: [], users: [user] },
      (item) => append(id, item.body ?? next, item.headers, user),
      (item) => item,
    );
    expect(tried).toBe(2 * NOT_COUNTS.length + NOT_BOOLEANS.length + 13);
    const mismatch = await append(id, next, { 'upload-offset': '0', 'upload-complete': '?0' }, user);
    expect(mismatch.headers.get('upload-offset')).toBe('100');
    const right = await append(id, next, { 'upload-offset': '100', 'upload-complete': '?0', 'content-digest': `sha-256=:${sha256(next)}:` }, user);
    expect(right.status).toBe(204);
    expect(right.headers.get('upload-offset')).toBe('200');
  });

  it("answers another identity's draft upload with 404 on HEAD, PATCH and DELETE, changing nothing", async () => {
    const { id, user } = await begun();
    const intruder = { [TEST_USER_HEADER]: 'draft-intruder' };
    const tried = await refuseEach(
      ['PATCH', 'DELETE', 'anonymous PATCH'] as const,
      { ids: [], users: [user] },
      (method) =>
        method === 'DELETE'
          ? call('DELETE', `/${id}/`, { user: 'draft-intruder' })
          : append(id, new Uint8Array(10), { 'upload-offset': '100', 'upload-complete': '?0' }, method === 'PATCH' ? 'draft-intruder' : undefined),
      () => ({ status: 404, error: 'UPLOAD_NOT_FOUND' }),
    );
    expect(tried).toBe(3);
    const head = await send(`${base()}/${id}/`, { method: 'HEAD', headers: intruder });
    expect(head.status).toBe(404);
    expect(head.headers.get('upload-offset')).toBeNull();
    const own = await send(`${base()}/${id}/`, { method: 'HEAD', headers: { [TEST_USER_HEADER]: user } });
    expect(own.headers.get('upload-offset')).toBe('100');
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fragoOpenApi, openApiChecker, type OpenApiChecker } from './openapi-check.js';
import { TEST_USER_HEADER } from './test-identity.js';

/** A server under the tus suite: tus at `tusPath`, frago's API at `/upload`, callers by {@link TEST_USER_HEADER}. */
export interface TusTarget {
  readonly origin: string;
  /** Where tus is mounted on the server, e.g. `/files`. */
  readonly tusPath: string;
  close(): Promise<void>;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const OCTETS = 'application/offset+octet-stream';

/**
 * tus hostile input, over a real socket, against any server mounting a frago with tus
 * on (limits.maxUploadSize 64 MiB): every malformed or foreign request gets its 4xx
 * with a typed code, and changes nothing a user can see (the caller's list, the
 * offset, the received bytes).
 */
export function describeTusConformance(name: string, setup: () => Promise<TusTarget>): void {
  describe(`tus conformance: ${name}`, () => {
    let target: TusTarget;
    let documented: OpenApiChecker;
    beforeAll(async () => {
      target = await setup();
      documented = openApiChecker(fragoOpenApi(), { '/upload': '/upload', [target.tusPath]: '/files' });
    });
    afterAll(() => target?.close());

    /** `fetch`, with the answer checked against the OpenAPI document. */
    async function send(url: string, init: RequestInit = {}): Promise<Response> {
      const response = await fetch(url, init);
      const method = init.method ?? 'GET';
      documented.check({
        method,
        url: url.startsWith(target.origin) ? url.slice(target.origin.length) : url,
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        text: method === 'HEAD' ? '' : await response.clone().text(),
      });
      return response;
    }

    const endpoint = () => `${target.origin}${target.tusPath}/`;
    const as = (user: string) => ({ 'tus-resumable': '1.0.0', [TEST_USER_HEADER]: user });
    const uploadsOf = async (user: string) => {
      const response = await send(`${target.origin}/upload/?limit=200`, { headers: { [TEST_USER_HEADER]: user } });
      return ((await response.json()) as { uploads: unknown[] }).uploads.length;
    };
    const create = async (user: string, headers: Record<string, string>, body?: Uint8Array) => {
      const response = await send(endpoint(), { method: 'POST', headers: { ...as(user), ...headers }, body });
      expect(response.status, await response.clone().text()).toBe(201);
      return new URL(response.headers.get('location') ?? '', target.origin).href;
    };
    async function expectRefused(response: Response, status: number, error: string, label: unknown) {
      expect([label, response.status]).toEqual([label, status]);
      expect(response.headers.get('tus-resumable')).toBe('1.0.0');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: false, error });
      expect(JSON.stringify(body)).not.toMatch(/\.ts:|node_modules|at async/);
    }

    it('refuses a creation with a bad length, bad metadata, a size over the limit or another version, creating nothing', async () => {
      const cases: Array<[Record<string, string>, number, string]> = [
        [{ 'upload-length': '-1' }, 400, 'INVALID_SIZE'],
        [{ 'upload-length': '1.5' }, 400, 'INVALID_SIZE'],
        [{ 'upload-length': 'abc' }, 400, 'INVALID_SIZE'],
        [{ 'upload-length': '99999999999999999999' }, 400, 'INVALID_SIZE'],
        [{}, 400, 'INVALID_SIZE'],
        [{ 'upload-defer-length': '2' }, 400, 'INVALID_REQUEST'],
        [{ 'upload-defer-length': 'true' }, 400, 'INVALID_REQUEST'],
        [{ 'upload-defer-length': '1', 'upload-length': '10' }, 400, 'INVALID_SIZE'],
        [{ 'upload-length': String(65 * 1024 * 1024) }, 413, 'UPLOAD_TOO_LARGE'],
        [{ 'upload-length': '10', 'upload-metadata': 'filename not-base64!' }, 400, 'INVALID_REQUEST'],
        [{ 'upload-length': '10', 'upload-metadata': `filename ${b64('a')},filename ${b64('b')}` }, 400, 'INVALID_REQUEST'],
        [{ 'upload-length': '10', 'upload-metadata': `filename ${Buffer.from([0xff, 0xfe]).toString('base64')}` }, 400, 'INVALID_REQUEST'],
        [{ 'upload-length': '10', 'upload-metadata': `tus-concat ${b64('partial')}` }, 400, 'INVALID_REQUEST'],
        [{ 'upload-length': '10', 'upload-concat': 'whole' }, 400, 'INVALID_REQUEST'],
        [{ 'upload-length': '10', 'content-type': OCTETS, 'upload-checksum': 'crc32 AAAAAA==' }, 400, 'UNSUPPORTED_CHECKSUM'],
      ];
      for (const [headers, status, error] of cases) {
        await expectRefused(await send(endpoint(), { method: 'POST', headers: { ...as('mallory'), ...headers } }), status, error, headers);
      }
      const old = await send(endpoint(), { method: 'POST', headers: { 'tus-resumable': '0.2.2', [TEST_USER_HEADER]: 'mallory', 'upload-length': '10' } });
      await expectRefused(old, 412, 'UNSUPPORTED_VERSION', 'version');
      expect(old.headers.get('tus-version')).toBe('1.0.0');
      expect(await uploadsOf('mallory')).toBe(0);
    });

    it('refuses a PATCH with a bad or wrong offset, another content type or bytes past the length, writing nothing', async () => {
      const url = await create('patcher', { 'upload-length': '100' });
      const cases: Array<[Record<string, string>, number, string, number]> = [
        [{ 'upload-offset': '-1' }, 400, 'INVALID_REQUEST', 10],
        [{ 'upload-offset': '0.5' }, 400, 'INVALID_REQUEST', 10],
        [{ 'upload-offset': 'zero' }, 400, 'INVALID_REQUEST', 10],
        [{}, 400, 'INVALID_REQUEST', 10],
        [{ 'upload-offset': '5' }, 409, 'OFFSET_MISMATCH', 10],
        [{ 'upload-offset': '0', 'content-type': 'application/octet-stream' }, 415, 'UNSUPPORTED_MEDIA_TYPE', 10],
        [{ 'upload-offset': '0' }, 400, 'INVALID_RANGE', 101],
        [{ 'upload-offset': '0', 'upload-checksum': 'sha1 !!' }, 400, 'INVALID_REQUEST', 10],
      ];
      for (const [headers, status, error, size] of cases) {
        const response = await send(url, { method: 'PATCH', headers: { ...as('patcher'), 'content-type': OCTETS, ...headers }, body: new Uint8Array(size) });
        await expectRefused(response, status, error, headers);
      }
      const head = await send(url, { method: 'HEAD', headers: as('patcher') });
      expect(head.headers.get('upload-offset')).toBe('0');
      const status = await send(`${target.origin}/upload/${url.split('/').pop()}/`, { headers: { [TEST_USER_HEADER]: 'patcher' } });
      expect(await status.json()).toMatchObject({ received_bytes: 0, status: 'in_progress' });
    });

    it('takes an upload whose length comes later, refusing lengths that contradict the bytes, changing nothing', async () => {
      const url = await create('deferrer', { 'upload-defer-length': '1' });
      const id = url.split('/').pop() ?? '';
      const patch = (offset: number, size: number, headers: Record<string, string> = {}) =>
        fetch(url, { method: 'PATCH', headers: { ...as('deferrer'), 'content-type': OCTETS, 'upload-offset': String(offset), ...headers }, body: new Uint8Array(size).fill(7) });
      const head = async () => {
        const response = await fetch(url, { method: 'HEAD', headers: as('deferrer') });
        return [response.headers.get('upload-offset'), response.headers.get('upload-length'), response.headers.get('upload-defer-length')];
      };
      expect(await head()).toEqual(['0', null, '1']);
      expect((await patch(0, 10)).status).toBe(204);
      const status = await fetch(`${target.origin}/upload/${id}/`, { headers: { [TEST_USER_HEADER]: 'deferrer' } });
      expect(await status.json()).toMatchObject({ total_size: null, received_bytes: 10, missing: [], status: 'in_progress' });

      const cases: Array<[number, Record<string, string>, number, string]> = [
        [0, { 'upload-length': '5' }, 400, 'INVALID_SIZE'],
        [10, { 'upload-length': '15' }, 400, 'INVALID_SIZE'],
        [0, { 'upload-length': 'ten' }, 400, 'INVALID_SIZE'],
        [0, { 'upload-length': String(65 * 1024 * 1024) }, 413, 'UPLOAD_TOO_LARGE'],
      ];
      for (const [size, headers, code, error] of cases) await expectRefused(await patch(10, size, headers), code, error, headers);
      expect(await head()).toEqual(['10', null, '1']);

      expect((await patch(10, 5, { 'upload-length': '30' })).status).toBe(204);
      expect(await head()).toEqual(['15', '30', null]);
      await expectRefused(await patch(15, 0, { 'upload-length': '31' }), 400, 'INVALID_SIZE', 'changed');
      await expectRefused(await patch(15, 16), 400, 'INVALID_RANGE', 'past the declared length');
      expect(await head()).toEqual(['15', '30', null]);

      const last = await patch(15, 15, { 'upload-length': '30' });
      expect([last.status, last.headers.get('upload-offset')]).toEqual([204, '30']);
      const done = await fetch(`${target.origin}/upload/${id}/`, { headers: { [TEST_USER_HEADER]: 'deferrer' } });
      expect(await done.json()).toMatchObject({ total_size: 30, status: 'complete' });
    });

    it("answers 404 to another identity's upload on HEAD, PATCH, DELETE and in a final, changing nothing", async () => {
      const url = await create('alice', { 'upload-length': '3', 'upload-concat': 'partial', 'content-type': OCTETS }, new TextEncoder().encode('abc'));
      const bob = as('bob');
      expect((await send(url, { method: 'HEAD', headers: bob })).status).toBe(404);
      const patch = await send(url, { method: 'PATCH', headers: { ...bob, 'content-type': OCTETS, 'upload-offset': '3' }, body: new Uint8Array(0) });
      await expectRefused(patch, 404, 'UPLOAD_NOT_FOUND', 'patch');
      await expectRefused(await send(url, { method: 'DELETE', headers: bob }), 404, 'UPLOAD_NOT_FOUND', 'delete');
      await expectRefused(await send(endpoint(), { method: 'POST', headers: { ...bob, 'upload-concat': `final;${url}` } }), 404, 'UPLOAD_NOT_FOUND', 'final');
      expect(await uploadsOf('bob')).toBe(0);
      const head = await send(url, { method: 'HEAD', headers: as('alice') });
      expect([head.status, head.headers.get('upload-offset'), head.headers.get('upload-concat')]).toEqual([200, '3', 'partial']);
    });

    it('refuses a final naming a missing, unfinished, ordinary or repeated part, or with Upload-Length, creating nothing', async () => {
      const whole = await create('joiner', { 'upload-length': '4', 'upload-concat': 'partial', 'content-type': OCTETS }, new TextEncoder().encode('abcd'));
      const unfinished = await create('joiner', { 'upload-length': '4', 'upload-concat': 'partial' });
      const ordinary = await create('joiner', { 'upload-length': '4' });
      const before = await uploadsOf('joiner');
      const cases: Array<[Record<string, string>, number, string]> = [
        [{ 'upload-concat': `final;${whole} ${target.tusPath}/no-such-upload` }, 404, 'UPLOAD_NOT_FOUND'],
        [{ 'upload-concat': `final;${whole} ${unfinished}` }, 409, 'UPLOAD_INCOMPLETE'],
        [{ 'upload-concat': `final;${whole} ${ordinary}` }, 400, 'INVALID_REQUEST'],
        [{ 'upload-concat': `final;${whole} ${whole}` }, 400, 'INVALID_REQUEST'],
        [{ 'upload-concat': `final;${whole} /elsewhere/x` }, 400, 'INVALID_REQUEST'],
        [{ 'upload-concat': 'final;' }, 400, 'INVALID_REQUEST'],
        [{ 'upload-concat': `final;${whole}`, 'upload-length': '4' }, 400, 'INVALID_REQUEST'],
      ];
      for (const [headers, status, error] of cases) {
        await expectRefused(await send(endpoint(), { method: 'POST', headers: { ...as('joiner'), ...headers } }), status, error, headers);
      }
      expect(await uploadsOf('joiner')).toBe(before);
      const head = await send(whole, { method: 'HEAD', headers: as('joiner') });
      expect(head.headers.get('upload-offset')).toBe('4');
    });
  });
}

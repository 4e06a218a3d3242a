import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_USER_HEADER } from '@frago/conformance';
import { createFrago, type Frago } from '@frago/core';
import { bitwiseCrc32c } from './support/bitwise-crc.js';
import { openStack, type Stack } from './support/stack.js';
import { serveWithExpress } from './support/express-target.js';
import type { UploadOptions } from 'tus-js-client';
import { tusUpload } from './support/tus-upload.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
const DRAFT = { 'upload-draft-interop-version': '6' };
// tus-js-client 4.3.1 reads `protocol` at run time, but its typings leave the option out.
const IETF_DRAFT_05 = { protocol: 'ietf-draft-05' } as Partial<UploadOptions>;

/** One raw HTTP exchange, with the interim (1xx) responses the server sent before the final one. */
interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly interim: Array<{ status: number; headers: Record<string, string | string[] | undefined> }>;
}

function exchange(url: string, method: string, headers: Record<string, string>, body?: Uint8Array): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const interim: Exchange['interim'] = [];
    const req = httpRequest(url, { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString(), interim }));
    });
    req.on('information', (info) => interim.push({ status: info.statusCode, headers: info.headers }));
    req.on('error', reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

describe('the resumable-upload draft on frago’s endpoint, on Express + SQLite + disk over a socket', () => {
  let stack: Stack;
  let frago: Frago;
  let server: { origin: string; close: () => Promise<void> };
  const completed: string[] = [];
  const endpoint = () => `${server.origin}/upload/`;
  const idOf = (url: string) => url.replace(/\/$/, '').split('/').pop() ?? '';

  beforeAll(async () => {
    stack = await openStack('sqlite');
    frago = createFrago({ repository: stack.repository, storage: stack.storage, limits: { maxUploadSize: 64 * MiB } });
    frago.events.on('upload:completed', ({ upload }) => completed.push(upload.id));
    server = await serveWithExpress(frago);
  });
  afterAll(async () => {
    await server?.close();
    await stack?.close();
  });

  async function stored(id: string): Promise<Buffer> {
    const [row] = await stack.sql('select location from frago_upload where id = ?', [id]);
    return Buffer.from(await stack.readAssembled(String(row?.location)));
  }

  async function fragoStatus(id: string, user?: string) {
    const response = await fetch(`${server.origin}/upload/${id}/`, { headers: user ? { [TEST_USER_HEADER]: user } : {} });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("tus-js-client 4.3.1 with protocol 'ietf-draft-05' uploads 3 MiB + 1 in 1 MiB appends: byte-identical, complete in frago", async () => {
    const bytes = randomBytes(3 * MiB + 1);
    const run = await tusUpload(bytes, { endpoint: endpoint(), chunkSize: MiB, ...IETF_DRAFT_05 });
    expect(run.outcome).toBe('success');
    expect(run.requests.map((request) => request.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
    const id = idOf(run.url);
    const { status, body } = await fragoStatus(id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'complete', filename: 'upload', total_size: 3 * MiB + 1, checksum: md5(bytes), missing: [] });
    expect((await stored(id)).equals(bytes)).toBe(true);
    expect(completed).toContain(id);

    const head = await exchange(run.url, 'HEAD', DRAFT);
    expect(head.status).toBe(204);
    expect(head.headers).toMatchObject({ 'upload-offset': String(3 * MiB + 1), 'upload-complete': '?1', 'upload-length': String(3 * MiB + 1), 'cache-control': 'no-store' });
  });

  it("tus-js-client 'ietf-draft-05' resumes after abort(): HEAD gives the stored offset and the first PATCH starts there", async () => {
    const bytes = randomBytes(4 * MiB);
    const first = await tusUpload(bytes, { endpoint: endpoint(), chunkSize: MiB, ...IETF_DRAFT_05, stopWhen: (sent) => sent > 2.5 * MiB });
    expect(first.outcome).toBe('aborted');
    const head = await exchange(first.url, 'HEAD', DRAFT);
    expect(head.headers['upload-complete']).toBe('?0');
    const offset = Number(head.headers['upload-offset']);
    expect(offset).toBeGreaterThanOrEqual(2 * MiB);
    expect(offset % MiB).toBe(0);

    const resumed = await tusUpload(bytes, { uploadUrl: first.url, chunkSize: MiB, ...IETF_DRAFT_05 });
    expect(resumed.outcome).toBe('success');
    expect(resumed.requests[0]?.method).toBe('HEAD');
    expect(resumed.requests.find((request) => request.method === 'PATCH')?.offset).toBe(String(offset));
    const id = idOf(first.url);
    expect((await fragoStatus(id)).body).toMatchObject({ status: 'complete', checksum: md5(bytes) });
    expect((await stored(id)).equals(bytes)).toBe(true);
  });

  it("tus-js-client 'ietf-draft-05' with uploadDataDuringCreation sends a small file in its creation POST alone", async () => {
    const bytes = randomBytes(100 * 1024);
    const run = await tusUpload(bytes, { endpoint: endpoint(), uploadDataDuringCreation: true, ...IETF_DRAFT_05 });
    expect(run.outcome).toBe('success');
    expect(run.requests.map((request) => request.method)).toEqual(['POST']);
    const id = idOf(run.url);
    expect((await fragoStatus(id)).body).toMatchObject({ status: 'complete', checksum: md5(bytes) });
    expect((await stored(id)).equals(bytes)).toBe(true);
  });

  it('completes a small file in one request (Upload-Complete: ?1): 104 with its Location first, then the completed-upload JSON', async () => {
    const bytes = randomBytes(64 * 1024);
    const created = await exchange(
      endpoint(),
      'POST',
      {
        ...DRAFT,
        'upload-complete': '?1',
        'content-type': 'image/png',
        'content-disposition': `attachment; filename="fallback.png"; filename*=UTF-8''%C3%A9t%C3%A9.png`,
        'repr-digest': `sha-256=:${sha256(bytes)}:`,
        [TEST_USER_HEADER]: 'ada',
      },
      bytes,
    );
    expect(created.status).toBe(201);
    const body = JSON.parse(created.text) as Record<string, unknown>;
    const id = String(body.upload_id);
    expect(body).toMatchObject({ status: true, total_size: bytes.length, checksum_algo: 'sha256', already_complete: false });
    expect(body.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(created.headers).toMatchObject({ 'upload-complete': '?1', 'upload-offset': String(bytes.length), location: `/upload/${id}/` });
    expect(created.interim).toHaveLength(1);
    expect(created.interim[0]).toMatchObject({ status: 104, headers: { location: `/upload/${id}/`, 'upload-draft-interop-version': '6' } });
    expect(String(created.interim[0]?.headers['upload-limit'])).toContain('max-size=');

    const { body: status } = await fragoStatus(id, 'ada');
    expect(status).toMatchObject({ status: 'complete', filename: 'été.png', metadata: { content_type: 'image/png' } });
    expect((await stored(id)).equals(bytes)).toBe(true);
    expect(completed).toContain(id);
  });

  it('appends with PATCH application/partial-upload: a wrong offset is 409 with the right one, nothing written; HEAD resumes; ?1 completes', async () => {
    const bytes = randomBytes(300_000);
    const user = { [TEST_USER_HEADER]: 'grace' };
    const created = await exchange(endpoint(), 'POST', { ...DRAFT, ...user, 'upload-complete': '?0', 'upload-length': String(bytes.length) });
    expect(created.status).toBe(201);
    expect(created.headers['upload-limit']).toMatch(/max-size=\d+, max-append-size=\d+, expires=\d+/);
    const url = `${server.origin}${created.headers.location}`;
    const patch = (offset: number, part: Uint8Array, complete: boolean) =>
      exchange(url, 'PATCH', { ...user, ...DRAFT, 'content-type': 'application/partial-upload', 'upload-offset': String(offset), 'upload-complete': complete ? '?1' : '?0' }, part);

    const first = await patch(0, bytes.subarray(0, 100_000), false);
    expect(first.status).toBe(204);
    expect(first.headers).toMatchObject({ 'upload-offset': '100000', 'upload-complete': '?0' });

    const wrong = await patch(150_000, bytes.subarray(150_000, 200_000), false);
    expect(wrong.status).toBe(409);
    expect(wrong.headers['upload-offset']).toBe('100000');
    expect(JSON.parse(wrong.text)).toMatchObject({ error: 'OFFSET_MISMATCH' });

    const head = await exchange(url, 'HEAD', { ...user, ...DRAFT });
    expect(head.headers).toMatchObject({ 'upload-offset': '100000', 'upload-complete': '?0', 'upload-length': String(bytes.length) });
    const last = await patch(100_000, bytes.subarray(100_000), true);
    expect(last.status).toBe(201);
    expect(last.headers['upload-complete']).toBe('?1');
    const id = idOf(url);
    expect(JSON.parse(last.text)).toMatchObject({ status: true, upload_id: id, checksum: md5(bytes) });
    expect((await stored(id)).equals(bytes)).toBe(true);
  });

  it('keeps a hostile Content-Disposition name as metadata only, and completes an empty file in one request', async () => {
    const bytes = randomBytes(1000);
    const created = await exchange(endpoint(), 'POST', { 'upload-complete': '?1', 'content-disposition': 'attachment; filename="../../../etc/passwd"' }, bytes);
    expect(created.status).toBe(201);
    const id = String((JSON.parse(created.text) as Record<string, unknown>).upload_id);
    expect((await fragoStatus(id)).body).toMatchObject({ status: 'complete', filename: '../../../etc/passwd' });
    const [row] = await stack.sql('select location from frago_upload where id = ?', [id]);
    const location = String(row?.location);
    expect(location).not.toContain('..');
    expect(basename(dirname(location))).toBe('assembled');
    expect(basename(location).startsWith(id)).toBe(true);
    expect((await stored(id)).equals(bytes)).toBe(true);

    const empty = await exchange(endpoint(), 'POST', { 'upload-complete': '?1' }, new Uint8Array(0));
    expect(empty.status).toBe(201);
    expect(empty.headers).toMatchObject({ 'upload-complete': '?1', 'upload-offset': '0' });
    const emptyId = String((JSON.parse(empty.text) as Record<string, unknown>).upload_id);
    expect((await fragoStatus(emptyId)).body).toMatchObject({ status: 'complete', total_size: 0, filename: 'upload' });
  });

  it('refuses a one-request upload whose Repr-Digest does not match with 422 and keeps nothing', async () => {
    const bytes = randomBytes(10_000);
    const created = await exchange(endpoint(), 'POST', { 'upload-complete': '?1', 'repr-digest': `sha-256=:${sha256(randomBytes(8))}:` }, bytes);
    expect(created.status).toBe(422);
    expect(JSON.parse(created.text)).toMatchObject({ error: 'CHECKSUM_MISMATCH' });
    expect(created.interim).toEqual([]);
    const rows = await stack.sql("select status from frago_upload where status in ('in_progress', 'complete') and total_size = 10000");
    expect(rows).toEqual([]);
  });

  it("takes a one-request upload's Repr-Digest crc32c: the CRC's 4 bytes big-endian, as RFC 9530's sample value", async () => {
    // RFC 9530's sample: {"hello": "world"} has crc32c=:Q3lHIA==: (0x43794720).
    const sample = Buffer.from('{"hello": "world"}');
    const created = await exchange(endpoint(), 'POST', { 'upload-complete': '?1', 'repr-digest': 'crc32c=:Q3lHIA==:' }, sample);
    expect(created.status, created.text).toBe(201);
    expect(JSON.parse(created.text)).toMatchObject({ checksum_algo: 'crc32c', checksum: '43794720' });

    const bytes = randomBytes(50_000);
    const crc = Buffer.from(bitwiseCrc32c(bytes), 'hex').toString('base64');
    const answer = await exchange(endpoint(), 'POST', { 'upload-complete': '?1', 'repr-digest': `crc32c=:${crc}:` }, bytes);
    expect(answer.status, answer.text).toBe(201);
    const id = String((JSON.parse(answer.text) as Record<string, unknown>).upload_id);
    expect((await fragoStatus(id)).body).toMatchObject({ status: 'complete', checksum_algo: 'crc32c', checksum: bitwiseCrc32c(bytes) });
    expect((await stored(id)).equals(bytes)).toBe(true);
  });

  it('prefers sha-256 to crc32c in one Repr-Digest, and refuses a file whose crc32c does not match with 422, keeping nothing', async () => {
    const bytes = randomBytes(10_001);
    const crc = Buffer.from(bitwiseCrc32c(bytes), 'hex').toString('base64');
    const both = await exchange(endpoint(), 'POST', { 'upload-complete': '?1', 'repr-digest': `crc32c=:${crc}:, sha-256=:${sha256(bytes)}:` }, bytes);
    expect(both.status, both.text).toBe(201);
    expect(JSON.parse(both.text)).toMatchObject({ checksum_algo: 'sha256' });

    const other = randomBytes(10_002);
    const wrong = await exchange(endpoint(), 'POST', { 'upload-complete': '?1', 'repr-digest': `crc32c=:${crc}:` }, other);
    expect(wrong.status).toBe(422);
    expect(JSON.parse(wrong.text)).toMatchObject({ error: 'CHECKSUM_MISMATCH' });
    const rows = await stack.sql("select status from frago_upload where status in ('in_progress', 'complete') and total_size = 10002");
    expect(rows).toEqual([]);
  });

  it("answers another identity's upload with 404, cancels with DELETE, and tells the limits on OPTIONS", async () => {
    const created = await exchange(endpoint(), 'POST', { [TEST_USER_HEADER]: 'owner', 'upload-complete': '?0', 'upload-length': '10' });
    const url = `${server.origin}${created.headers.location}`;
    const intruder = { [TEST_USER_HEADER]: 'intruder' };
    expect((await exchange(url, 'HEAD', intruder)).status).toBe(404);
    const foreign = await exchange(url, 'PATCH', { ...intruder, 'content-type': 'application/partial-upload', 'upload-offset': '0', 'upload-complete': '?1' }, Buffer.alloc(10));
    expect(foreign.status).toBe(404);
    expect((await exchange(url, 'HEAD', { [TEST_USER_HEADER]: 'owner' })).headers['upload-offset']).toBe('0');

    expect((await exchange(url, 'DELETE', { [TEST_USER_HEADER]: 'owner' })).status).toBe(200);
    expect((await exchange(url, 'HEAD', { [TEST_USER_HEADER]: 'owner' })).status).toBe(410);

    const options = await exchange(endpoint(), 'OPTIONS', {});
    expect(options.status).toBe(204);
    expect(options.headers['accept-patch']).toBe('application/partial-upload');
    expect(options.headers['upload-limit']).toBe(`max-size=${64 * MiB}, max-append-size=${256 * MiB}`);
  });
});

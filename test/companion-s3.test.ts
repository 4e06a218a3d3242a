import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { TEST_USER_HEADER, type TestBucket } from '@frago/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDirectS3Server, type DirectS3Server } from './support/direct-s3-server.js';
import type { Stack } from './support/stack.js';

// The Companion-style endpoints as @uppy/aws-s3 (companionEndpoint mode) calls them,
// played here request by request; the browser test runs Uppy itself.

const MiB = 1024 * 1024;
const PART = 5 * MiB;

let server: DirectS3Server;
let stack: Stack;
let bucket: TestBucket;
let origin: string;
let completed: string[];

beforeAll(async () => {
  server = await startDirectS3Server(PART, { limits: { maxUploadSize: 32 * MiB }, companion: true });
  ({ stack, bucket, origin, completed } = server);
});

afterAll(() => server?.close());

async function call(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${origin}/s3${path}`, {
    method,
    headers: { [TEST_USER_HEADER]: user, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? null : JSON.parse(text) };
}

async function create(user: string, size: number): Promise<string> {
  const created = await call('POST', '/multipart', user, { filename: 'clip.mp4', type: 'video/mp4', metadata: { size, name: 'clip.mp4' } });
  expect(created.status).toBe(200);
  expect(created.json.key).toBe(created.json.uploadId);
  return created.json.uploadId as string;
}

/** Signs and PUTs part `n` of `file` as Uppy does; returns the ETag the bucket answered. */
async function sendPart(user: string, id: string, file: Buffer, n: number): Promise<string> {
  const signed = await call('GET', `/multipart/${id}/${n}?key=${id}`, user);
  expect(signed.status).toBe(200);
  expect(signed.json.expires).toBeGreaterThan(0);
  const put = await fetch(signed.json.url, { method: 'PUT', body: file.subarray((n - 1) * PART, Math.min(n * PART, file.length)) });
  expect(put.status).toBe(200);
  return put.headers.get('etag')!;
}

/** What `GET /s3/params` answers: where and how Uppy posts a small file. */
interface FormParams {
  readonly method: string;
  readonly url: string;
  readonly fields: { readonly key: string };
  readonly headers: Record<string, string>;
}

/** Asks `GET /s3/params` for `file` as Uppy does (its meta as `metadata[...]`), with `size` in the meta. */
async function formParams(user: string, filename: string, size: number): Promise<FormParams> {
  const query = new URLSearchParams({ filename, type: 'text/plain', 'metadata[name]': filename, 'metadata[size]': String(size) });
  const answer = await call('GET', `/params?${query}`, user);
  expect(answer.status).toBe(200);
  return answer.json as FormParams;
}

/** Posts `file` to a form URL as a browser form does: the fields first, the file last. */
async function postForm(params: FormParams, user: string, file: Uint8Array, field = 'file'): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(params.fields)) form.set(name, value);
  form.set(field, new Blob([file]), 'blob');
  return fetch(params.url, { method: params.method, headers: { [TEST_USER_HEADER]: user }, body: form });
}

describe('Companion-style S3 endpoints for @uppy/aws-s3', () => {
  it('a small file: /params starts an upload, the form posted to its URL stores the file and completes it', async () => {
    const file = randomBytes(300 * 1024 + 7);
    const params = await formParams('ada', 'notes.txt', file.length);
    const id = params.fields.key;
    expect(params).toEqual({ method: 'POST', url: `${origin}/s3/form/${id}`, fields: { key: id }, headers: {} });
    expect((await stack.repository.get(id))?.status).toBe('in_progress');

    const posted = await postForm(params, 'ada', file);
    expect(posted.status).toBe(204);
    const upload = await stack.repository.get(id);
    expect(upload).toMatchObject({ status: 'complete', filename: 'notes.txt', totalSize: file.length, metadata: { name: 'notes.txt', type: 'text/plain' } });
    expect(completed).toContain(id);
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload!.location! }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(file)).toBe(true);
  });

  it('an empty file goes as a form too, and is complete', async () => {
    const params = await formParams('ada', 'empty.txt', 0);
    expect((await postForm(params, 'ada', new Uint8Array(0))).status).toBe(204);
    const upload = await stack.repository.get(params.fields.key);
    expect(upload).toMatchObject({ status: 'complete', totalSize: 0 });
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload!.location! }));
    expect((await object.Body!.transformToByteArray()).byteLength).toBe(0);
  });

  it('refuses hostile forms with 4xx, stores nothing, and the right form still completes the upload', async () => {
    const file = randomBytes(64 * 1024);
    const params = await formParams('ada', 'form.bin', file.length);
    const id = params.fields.key;
    const rows = await stack.snapshot();
    const keys = await bucket.keys();
    const elsewhere = (path: string): FormParams => ({ ...params, url: `${origin}/s3${path}` });
    const cases: Array<[string, () => Promise<Response>, number]> = [
      ['another identity', () => postForm(params, 'mallory', file), 404],
      ['one byte short', () => postForm(params, 'ada', file.subarray(1)), 400],
      ['one byte over', () => postForm(params, 'ada', Buffer.concat([file, Buffer.from('x')])), 400],
      ['no file field', () => postForm(params, 'ada', file, 'upload'), 400],
      ['a raw body', () => fetch(params.url, { method: 'POST', headers: { [TEST_USER_HEADER]: 'ada', 'content-type': 'application/octet-stream' }, body: file }), 415],
      ['a JSON body', () => fetch(params.url, { method: 'POST', headers: { [TEST_USER_HEADER]: 'ada', 'content-type': 'application/json' }, body: '{}' }), 415],
      ['a broken boundary', () => fetch(params.url, { method: 'POST', headers: { [TEST_USER_HEADER]: 'ada', 'content-type': 'multipart/form-data; boundary=x' }, body: '--y\r\n' }), 400],
      ['GET on the form', () => fetch(params.url, { headers: { [TEST_USER_HEADER]: 'ada' } }), 405],
      ['an unknown upload', () => postForm(elsewhere('/form/nosuchupload'), 'ada', file), 404],
      ['a malformed id', () => postForm(elsewhere('/form/no*such'), 'ada', file), 400],
      ['below the form', () => postForm(elsewhere(`/form/${id}/deeper`), 'ada', file), 404],
    ];
    for (const [what, send, status] of cases) {
      const answer = await send();
      const body = (await answer.json()) as { status: boolean; error: string; message: string };
      expect([what, answer.status, body.status]).toEqual([what, status, false]);
      expect(body.message).not.toMatch(/\/tmp|node_modules|at \w+ \(/);
    }
    expect(await stack.snapshot()).toEqual(rows);
    expect(await bucket.keys()).toEqual(keys);

    expect((await postForm(params, 'ada', file)).status).toBe(204);
    expect((await stack.repository.get(id))?.status).toBe('complete');
    const again = await postForm(params, 'ada', file);
    expect([again.status, ((await again.json()) as { error: string }).error]).toEqual([409, 'UPLOAD_COMPLETED']);
  });

  it('refuses /params for files it cannot take, and starts nothing', async () => {
    const rows = await stack.snapshot();
    const cases: Array<[string, number]> = [
      ['filename=a.bin&type=text/plain', 400],
      ['filename=a.bin&metadata[size]=-1', 400],
      ['filename=a.bin&metadata[size]=12abc', 400],
      ['metadata[size]=5', 400],
      [`filename=big.bin&metadata[size]=${32 * MiB + 1}`, 413],
    ];
    for (const [query, status] of cases) {
      const answer = await call('GET', `/params?${query}`, 'ada');
      expect([query.slice(0, 60), answer.status, answer.json?.status]).toEqual([query.slice(0, 60), status, false]);
    }
    expect(await stack.snapshot()).toEqual(rows);
  });

  it('create, sign, list, complete: the file is in the bucket, the upload complete', async () => {
    const file = randomBytes(2 * PART + 99);
    const id = await create('ada', file.length);
    const etags = [await sendPart('ada', id, file, 1), await sendPart('ada', id, file, 2), await sendPart('ada', id, file, 3)];
    const listed = await call('GET', `/multipart/${id}?key=${id}`, 'ada');
    expect(listed.json).toEqual([
      { PartNumber: 1, Size: PART, ETag: etags[0] },
      { PartNumber: 2, Size: PART, ETag: etags[1] },
      { PartNumber: 3, Size: 99, ETag: etags[2] },
    ]);
    const parts = etags.map((ETag, index) => ({ PartNumber: index + 1, ETag }));
    const done = await call('POST', `/multipart/${id}/complete?key=${id}`, 'ada', { parts });
    expect(done.status).toBe(200);
    const upload = await stack.repository.get(id);
    expect(upload).toMatchObject({ status: 'complete', filename: 'clip.mp4', metadata: { name: 'clip.mp4', type: 'video/mp4' } });
    expect(done.json).toEqual({ location: upload!.location, key: id });
    expect(completed).toContain(id);
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload!.location! }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(file)).toBe(true);
  });

  it('abort removes the multipart upload', async () => {
    const file = randomBytes(PART + 1);
    const id = await create('ada', file.length);
    await sendPart('ada', id, file, 1);
    expect((await call('DELETE', `/multipart/${id}?key=${id}`, 'ada')).status).toBe(200);
    expect((await stack.repository.get(id))?.status).toBe('aborted');
    expect((await bucket.multipartUploads()).filter((key) => key.includes(id))).toEqual([]);
    expect((await bucket.keys()).filter((key) => key.includes(id))).toEqual([]);
  });

  it('answers hostile requests with 4xx, never 5xx, and changes nothing', async () => {
    const file = randomBytes(PART + 1);
    const id = await create('ada', file.length);
    const etag = await sendPart('ada', id, file, 1);
    // Listing records what the bucket holds: done first, so that only the hostile calls are measured.
    expect((await call('GET', `/multipart/${id}?key=${id}`, 'ada')).json).toHaveLength(1);
    const rows = await stack.snapshot();
    const keys = await bucket.keys();
    const cases: Array<[string, string, string, unknown, number]> = [
      ['GET', `/multipart/${id}/1?key=${id}`, 'mallory', undefined, 404],
      ['GET', `/multipart/${id}?key=${id}`, 'mallory', undefined, 404],
      ['POST', `/multipart/${id}/complete?key=${id}`, 'mallory', { parts: [] }, 404],
      ['DELETE', `/multipart/${id}?key=${id}`, 'mallory', undefined, 404],
      ['GET', `/multipart/${id}/1?key=forged`, 'ada', undefined, 404],
      ['GET', `/multipart/${id}/1`, 'ada', undefined, 404],
      ['GET', `/multipart/${id}?key=../${id}`, 'ada', undefined, 404],
      ['DELETE', `/multipart/${id}?key=other`, 'ada', undefined, 404],
      ['POST', `/multipart/${id}/complete?key=x`, 'ada', { parts: [] }, 404],
      ['GET', `/multipart/${id}/0?key=${id}`, 'ada', undefined, 400],
      ['GET', `/multipart/${id}/10001?key=${id}`, 'ada', undefined, 400],
      ['GET', `/multipart/${id}/3?key=${id}`, 'ada', undefined, 400],
      ['GET', `/multipart/${id}/abc?key=${id}`, 'ada', undefined, 400],
      ['GET', `/multipart/${id}/-1?key=${id}`, 'ada', undefined, 400],
      ['GET', `/multipart/${id}/1e3?key=${id}`, 'ada', undefined, 400],
      ['GET', `/multipart/${id}/01?key=${id}`, 'ada', undefined, 400],
      ['GET', `/multipart/no*such/1?key=x`, 'ada', undefined, 400],
      ['POST', `/multipart/${id}/complete?key=${id}`, 'ada', { parts: 'all' }, 400],
      ['POST', `/multipart/${id}/complete?key=${id}`, 'ada', { parts: [{ PartNumber: 1, ETag: '"0000"' }] }, 409],
      ['POST', `/multipart/${id}/complete?key=${id}`, 'ada', { parts: [{ PartNumber: 1, ETag: etag }] }, 409],
      ['POST', '/multipart', 'ada', { filename: 'big.bin', metadata: { size: 32 * MiB + 1 } }, 413],
      ['POST', '/multipart', 'ada', { filename: 'nosize.bin', metadata: {} }, 400],
      ['POST', '/multipart', 'ada', { filename: 'neg.bin', metadata: { size: -1 } }, 400],
      ['POST', '/multipart', 'ada', { filename: 'str.bin', metadata: { size: '12abc' } }, 400],
      ['POST', '/multipart', 'ada', { filename: '', metadata: { size: 1 } }, 400],
      ['POST', '/multipart', 'ada', { filename: 'a.bin', type: 7, metadata: { size: 1 } }, 400],
      ['GET', '/params?filename=a.bin&type=text/plain', 'ada', undefined, 400],
      ['PUT', `/multipart/${id}?key=${id}`, 'ada', undefined, 405],
      ['GET', `/multipart/${id}/1/extra?key=${id}`, 'ada', undefined, 404],
      ['GET', '/elsewhere', 'ada', undefined, 404],
    ];
    for (const [method, path, user, body, status] of cases) {
      const answer = await call(method, path, user, body);
      expect([method, path, answer.status]).toEqual([method, path, status]);
      expect(answer.json?.status).toBe(false);
    }
    expect(await stack.snapshot()).toEqual(rows);
    expect(await bucket.keys()).toEqual(keys);
  });
});

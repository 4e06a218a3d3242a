import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
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

/** Asks `GET /s3/params` for `filename` as Uppy does (its meta as `metadata[...]`), with `metadata[size]` when `size` is given. */
async function formParams(user: string, filename: string, size?: number): Promise<FormParams> {
  const query = new URLSearchParams({ filename, type: 'text/plain', 'metadata[name]': filename, ...(size === undefined ? {} : { 'metadata[size]': String(size) }) });
  const answer = await call('GET', `/params?${query}`, user);
  expect(answer.status).toBe(200);
  expect(answer.json).toEqual({ method: 'POST', url: `${origin}/s3/form?${query}`, fields: { key: filename }, headers: {} });
  return answer.json as FormParams;
}

/**
 * Posts `file` where `params` say, as a browser form: the fields first, the file last,
 * sent whole with its headers (an answer before the body is read closes the connection).
 */
async function postForm(params: FormParams, user: string, file: Uint8Array, field = 'file'): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(params.fields)) form.set(name, value);
  form.set(field, new Blob([file]), 'blob');
  const encoded = new Response(form);
  const body = new Uint8Array(await encoded.arrayBuffer());
  return fetch(params.url, { method: params.method, headers: { [TEST_USER_HEADER]: user, 'content-type': encoded.headers.get('content-type')! }, body });
}

/** The upload `user` has of `filename`, as frago records it; undefined when there is none. */
async function uploadNamed(user: string, filename: string) {
  return (await stack.repository.list(`user:${user}`, { limit: 100 })).find((upload) => upload.filename === filename);
}

describe('Companion-style S3 endpoints for @uppy/aws-s3', () => {
  it('a small file: /params starts nothing, the form posted to its URL starts the upload, stores the file and completes it', async () => {
    const file = randomBytes(300 * 1024 + 7);
    const params = await formParams('ada', 'notes.txt', file.length);
    expect(await uploadNamed('ada', 'notes.txt')).toBeUndefined();

    const posted = await postForm(params, 'ada', file);
    expect(posted.status).toBe(204);
    const upload = await uploadNamed('ada', 'notes.txt');
    expect(posted.headers.get('frago-upload-id')).toBe(upload?.id);
    expect(upload).toMatchObject({ status: 'complete', totalSize: file.length, metadata: { name: 'notes.txt', type: 'text/plain' } });
    expect(completed).toContain(upload!.id);
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload!.location! }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(file)).toBe(true);
  });

  it('learns the size from the form when the page gives none, as Uppy sends by default', async () => {
    const file = randomBytes(123_457);
    const posted = await postForm(await formParams('ada', 'unsized.bin'), 'ada', file);
    expect(posted.status).toBe(204);
    const upload = await uploadNamed('ada', 'unsized.bin');
    expect(upload).toMatchObject({ status: 'complete', totalSize: file.length });
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload!.location! }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(file)).toBe(true);
  });

  it('an empty file goes as a form too, and is complete', async () => {
    expect((await postForm(await formParams('ada', 'empty.txt'), 'ada', new Uint8Array(0))).status).toBe(204);
    const upload = await uploadNamed('ada', 'empty.txt');
    expect(upload).toMatchObject({ status: 'complete', totalSize: 0 });
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload!.location! }));
    expect((await object.Body!.transformToByteArray()).byteLength).toBe(0);
  });

  it('refuses hostile forms with 4xx, starts and stores nothing, and the right form still completes', async () => {
    const file = randomBytes(64 * 1024);
    const params = await formParams('ada', 'form.bin', file.length);
    const rows = await stack.snapshot();
    const keys = await bucket.keys();
    const at = (query: string): FormParams => ({ ...params, url: `${origin}/s3/form?${query}` });
    const post = (headers: Record<string, string>, body: string | Uint8Array) => fetch(params.url, { method: 'POST', headers: { [TEST_USER_HEADER]: 'ada', ...headers }, body });
    const cases: Array<[string, () => Promise<Response>, number]> = [
      ['one byte short of metadata[size]', () => postForm(params, 'ada', file.subarray(1)), 400],
      ['one byte over metadata[size]', () => postForm(params, 'ada', Buffer.concat([file, Buffer.from('x')])), 400],
      ['no file field', () => postForm(params, 'ada', file, 'upload'), 400],
      ['a raw body', () => post({ 'content-type': 'application/octet-stream' }, file), 415],
      ['a JSON body', () => post({ 'content-type': 'application/json' }, '{}'), 415],
      ['a broken boundary', () => post({ 'content-type': 'multipart/form-data; boundary=x' }, '--y\r\n'), 400],
      ['no filename', () => postForm(at('metadata%5Bsize%5D=65536'), 'ada', file), 400],
      ['a size that is not one', () => postForm(at('filename=a.bin&metadata%5Bsize%5D=-1'), 'ada', file), 400],
      ['a metadata[size] over maxUploadSize, and not the file\'s', () => postForm(at(`filename=a.bin&metadata%5Bsize%5D=${32 * MiB + 1}`), 'ada', file), 400],
      ['GET on the form', () => fetch(params.url, { headers: { [TEST_USER_HEADER]: 'ada' } }), 405],
      ['below the form', () => postForm({ ...params, url: `${origin}/s3/form/deeper?filename=a.bin` }, 'ada', file), 404],
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
    expect((await uploadNamed('ada', 'form.bin'))?.status).toBe('complete');
  });

  it('aborts the upload a form started when its file is not what the form\'s length says, leaving nothing in the bucket', async () => {
    const params = await formParams('ada', 'trailing.bin');
    const form = new FormData();
    form.set('key', params.fields.key);
    form.set('file', new Blob([randomBytes(70_000)]), 'trailing.bin');
    // A field after the file: its length makes the file look longer than it is.
    form.set('note', 'after the file');
    const encoded = new Response(form);
    const body = new Uint8Array(await encoded.arrayBuffer());
    const keys = await bucket.keys();
    const multipart = await bucket.multipartUploads();
    const answer = await fetch(params.url, { method: 'POST', headers: { [TEST_USER_HEADER]: 'ada', 'content-type': encoded.headers.get('content-type')! }, body });
    expect([answer.status, ((await answer.json()) as { error: string }).error]).toEqual([400, 'BODY_LENGTH_MISMATCH']);
    expect((await uploadNamed('ada', 'trailing.bin'))?.status).toBe('aborted');
    expect(await bucket.keys()).toEqual(keys);
    expect(await bucket.multipartUploads()).toEqual(multipart);
  });

  it('refuses a form whose length says the file is over the limit, before reading its bytes', async () => {
    const params = await formParams('ada', 'huge.bin');
    const boundary = 'frago-test-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nhuge.bin\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.bin"\r\n\r\n`);
    const declared = head.length + 32 * MiB + 1 + `\r\n--${boundary}--\r\n`.length;
    const rows = await stack.snapshot();
    // Only the start of the body is sent: the answer must come from what the form's length says.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(params.url);
      const req = request(url, { method: 'POST', headers: { [TEST_USER_HEADER]: 'ada', 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(declared) } }, (res) => {
        let body = '';
        res.on('data', (piece: Buffer) => (body += piece.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(Buffer.concat([head, randomBytes(1024)]));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ status: false, error: 'UPLOAD_TOO_LARGE' });
    expect(await stack.snapshot()).toEqual(rows);
  });

  it('refuses /params for files it cannot take, and starts nothing', async () => {
    const rows = await stack.snapshot();
    const cases: Array<[string, number]> = [
      ['type=text/plain', 400],
      ['filename=a.bin&metadata[size]=-1', 400],
      ['filename=a.bin&metadata[size]=12abc', 400],
      [`filename=big.bin&metadata[size]=${32 * MiB + 1}`, 413],
    ];
    for (const [query, status] of cases) {
      const answer = await call('GET', `/params?${query}`, 'ada');
      expect([query, answer.status, answer.json?.status]).toEqual([query, status, false]);
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
      ['GET', '/params?type=text/plain', 'ada', undefined, 400],
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

import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createFrago, type Frago, type Identity } from '@frago/core';
import { S3Storage } from '@frago/storage-s3';
import { TEST_USER_HEADER, type TestBucket } from '@frago/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDirectS3Server, type DirectS3Server } from './support/direct-s3-server.js';
import { serveWithExpress } from './support/express-target.js';
import type { Stack } from './support/stack.js';

// Direct uploads through frago's HTTP API: the test plays the client, PUTting each part
// to the presigned URL frago hands out, and reads the result back from the bucket.

const MiB = 1024 * 1024;
const PART = 5 * MiB;

let server: DirectS3Server;
let stack: Stack;
let bucket: TestBucket;
let frago: Frago;
let origin: string;
let clock = Date.now();
let completed: string[];

beforeAll(async () => {
  server = await startDirectS3Server(PART, { limits: { maxUploadSize: 64 * MiB }, now: () => new Date(clock) });
  ({ stack, bucket, frago, origin, completed } = server);
});

afterAll(() => server?.close());

async function api(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${origin}/upload${path}`, {
    method,
    headers: { [TEST_USER_HEADER]: user, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function startDirect(user: string, file: Uint8Array, extra: Record<string, unknown> = {}): Promise<string> {
  const started = await api('POST', '/', user, { filename: 'movie.bin', total_size: file.length, direct: true, ...extra });
  expect(started.status).toBe(201);
  expect(started.json.direct).toEqual({ part_size: PART, part_count: Math.ceil(file.length / PART) });
  return started.json.upload_id as string;
}

interface SignedPartView {
  part: number;
  start: number;
  end: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  expires_at: string;
}

async function sign(user: string, id: string, parts: unknown[]): Promise<SignedPartView[]> {
  const signed = await api('POST', `/${id}/parts`, user, { parts });
  expect(signed.status).toBe(200);
  return signed.json.parts as SignedPartView[];
}

/** PUTs `bytes` to a signed part URL, as a browser would: Content-Length follows the body. */
function putPart(part: SignedPartView, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(part.url, { method: part.method, body: bytes, headers });
}

async function objectBytes(key: string): Promise<Buffer> {
  const response = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

/** Sends the first part's right bytes, finalizes, and checks the object is the file. */
async function sendFirstPartAndFinalize(id: string, first: SignedPartView, file: Buffer): Promise<void> {
  expect((await putPart(first, file.subarray(0, PART))).status).toBe(200);
  expect((await api('POST', `/${id}/`, 'ada', {})).status).toBe(201);
  expect((await objectBytes((await stack.repository.get(id))!.location!)).equals(file)).toBe(true);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('direct uploads to S3', () => {
  it('takes parts sent straight to the bucket, finalizes them into the object and says so', async () => {
    const file = randomBytes(2 * PART + 123_457);
    const id = await startDirect('ada', file);
    const parts = await sign('ada', id, [1, 2, 3]);
    expect(parts.map(({ part, start, end }) => [part, start, end])).toEqual([
      [1, 0, PART - 1],
      [2, PART, 2 * PART - 1],
      [3, 2 * PART, file.length - 1],
    ]);
    expect(parts[2]!.headers).toEqual({ 'content-length': String(file.length - 2 * PART) });
    expect(new URL(parts[0]!.url).searchParams.get('X-Amz-SignedHeaders')).toContain('content-length');
    for (const part of parts) expect((await putPart(part, file.subarray(part.start, part.end + 1))).status).toBe(200);

    const status = await api('GET', `/${id}/`, 'ada');
    expect(status.json.missing).toEqual([]);
    expect(status.json.direct).toEqual({ part_size: PART, part_count: 3, missing_parts: [], wrong_size_parts: [] });

    const finalized = await api('POST', `/${id}/`, 'ada', { checksum: sha256(file), checksum_algo: 'sha256' });
    expect(finalized.status).toBe(201);
    expect(finalized.json.checksum).toBe(sha256(file));
    expect(completed).toContain(id);
    const upload = await stack.repository.get(id);
    expect(upload?.status).toBe('complete');
    expect((await objectBytes(upload!.location!)).equals(file)).toBe(true);
    expect(await bucket.multipartUploads()).toEqual([]);
    expect(await bucket.keys()).toEqual([upload!.location]);
  });

  it('refuses a body of another size than the signed one, and names what is missing so the client resumes', async () => {
    const file = randomBytes(PART + 1000);
    const id = await startDirect('ada', file);
    const [first, second] = await sign('ada', id, [1, 2]);
    expect((await putPart(first!, file.subarray(0, PART - 1))).status).toBe(403);
    expect((await putPart(second!, file.subarray(PART))).status).toBe(200);

    const status = await api('GET', `/${id}/`, 'ada');
    expect(status.json.missing).toEqual([{ start: 0, end: PART - 1 }]);
    expect(status.json.direct.missing_parts).toEqual([1]);
    const early = await api('POST', `/${id}/`, 'ada', {});
    expect(early.status).toBe(409);
    expect(early.json.error).toBe('UPLOAD_INCOMPLETE');

    const [again] = await sign('ada', id, [1]);
    expect((await putPart(again!, file.subarray(0, PART))).status).toBe(200);
    expect((await api('POST', `/${id}/`, 'ada', {})).status).toBe(201);
    const upload = await stack.repository.get(id);
    expect((await objectBytes(upload!.location!)).equals(file)).toBe(true);
  });

  it('refuses at finalize a part the store holds with the wrong size, until it is sent again', async () => {
    const file = randomBytes(PART + 10);
    const id = await startDirect('ada', file);
    const [first, second] = await sign('ada', id, [1, 2]);
    expect((await putPart(second!, file.subarray(PART))).status).toBe(200);
    // Sent past frago's URL, with the bucket's own credentials: the store takes any size.
    const manifest = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: `incoming/${id}/upload.json` }));
    const { objectKey, uploadId } = JSON.parse(await manifest.Body!.transformToString()) as { objectKey: string; uploadId: string };
    await bucket.client.send(
      new UploadPartCommand({ Bucket: bucket.name, Key: objectKey, UploadId: uploadId, PartNumber: 1, Body: file.subarray(0, PART + 5), ContentLength: PART + 5 }),
    );

    const refused = await api('POST', `/${id}/`, 'ada', {});
    expect(refused.status).toBe(409);
    expect(refused.json.missing).toEqual([{ start: 0, end: PART - 1 }]);
    expect((await api('GET', `/${id}/`, 'ada')).json.direct.wrong_size_parts).toEqual([1]);

    await sendFirstPartAndFinalize(id, first!, file);
  });

  it('refuses other bytes: at the PUT when the part MD5 is signed, at finalize by the whole-file checksum otherwise', async () => {
    const file = randomBytes(PART + 10);
    const id = await startDirect('ada', file);
    const md5 = createHash('md5').update(file.subarray(0, PART)).digest('base64');
    const [first] = await sign('ada', id, [{ part: 1, md5 }]);
    expect(first!.headers['content-md5']).toBe(md5);
    const forged = Buffer.from(file.subarray(0, PART));
    forged[7] = forged[7]! ^ 1;
    expect((await putPart(first!, forged, first!.headers)).status).toBe(400);
    expect((await api('GET', `/${id}/`, 'ada')).json.direct.missing_parts).toEqual([1, 2]);

    const [plain, second] = await sign('ada', id, [1, 2]);
    expect((await putPart(plain!, forged)).status).toBe(200);
    expect((await putPart(second!, file.subarray(PART))).status).toBe(200);
    const mismatch = await api('POST', `/${id}/`, 'ada', { checksum: sha256(file), checksum_algo: 'sha256' });
    expect(mismatch.status).toBe(422);
    expect(mismatch.json.error).toBe('CHECKSUM_MISMATCH');
    expect(completed).not.toContain(id);
  });

  it('refuses to finalize a part replaced with other bytes after it was recorded, until the recorded bytes are back', async () => {
    const file = randomBytes(PART + 10);
    const id = await startDirect('ada', file);
    const [first, second] = await sign('ada', id, [1, 2]);
    expect((await putPart(first!, file.subarray(0, PART))).status).toBe(200);
    expect((await putPart(second!, file.subarray(PART))).status).toBe(200);
    expect((await api('GET', `/${id}/`, 'ada')).json.missing).toEqual([]);
    const other = randomBytes(PART);
    expect((await putPart(first!, other)).status).toBe(200);

    const refused = await api('POST', `/${id}/`, 'ada', {});
    expect([refused.status, refused.json.error, refused.json.parts]).toEqual([409, 'RANGE_CONFLICT', [1]]);
    expect((await stack.repository.get(id))?.status).toBe('in_progress');
    await sendFirstPartAndFinalize(id, first!, file);
  });

  it('aborts the multipart upload when the upload expires, leaving nothing in the bucket', async () => {
    const file = randomBytes(PART + 10);
    const id = await startDirect('eve', file);
    const [first] = await sign('eve', id, [1]);
    expect(new Date(first!.expires_at).getTime()).toBeLessThanOrEqual((await stack.repository.get(id))!.expiresAt.getTime());
    expect((await putPart(first!, file.subarray(0, PART))).status).toBe(200);
    expect((await api('GET', `/${id}/`, 'eve')).json.direct.missing_parts).toEqual([2]);
    const before = await bucket.keys();
    expect(before.some((key) => key.startsWith(`incoming/${id}/`))).toBe(true);

    clock += 25 * 60 * 60 * 1000;
    try {
      await frago.sweepExpired();
    } finally {
      clock = Date.now();
    }
    expect(await stack.repository.get(id)).toBeNull();
    const keys = await bucket.keys();
    expect(keys.filter((key) => key.includes(id))).toEqual([]);
    expect((await bucket.multipartUploads()).filter((key) => key.includes(id))).toEqual([]);
  });

  it('answers hostile part requests with 4xx and changes nothing', async () => {
    const file = randomBytes(PART + 10);
    const id = await startDirect('ada', file);
    const rows = await stack.snapshot();
    const keys = await bucket.keys();
    const refusals: Array<[string, string, unknown, number, string]> = [
      ['mallory', `/${id}/parts`, { parts: [1] }, 404, 'UPLOAD_NOT_FOUND'],
      ['ada', `/${id}/parts`, { parts: [0] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: [3] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: [10_001] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: ['1'] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: [1.5] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: [-1] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: [] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: [1, 1] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: Array.from({ length: 101 }, (_, n) => n + 1) }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: [{ part: 1, md5: 'not-base64' }] }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, { parts: 'all' }, 400, 'INVALID_REQUEST'],
      ['ada', `/${id}/parts`, {}, 400, 'INVALID_REQUEST'],
      ['ada', `/no-such-upload/parts`, { parts: [1] }, 404, 'UPLOAD_NOT_FOUND'],
      ['ada', `/${id}/parts/1`, { parts: [1] }, 404, 'ROUTE_NOT_FOUND'],
      ['ada', `/${id}/other`, { parts: [1] }, 404, 'ROUTE_NOT_FOUND'],
    ];
    for (const [user, path, body, status, error] of refusals) {
      const answer = await api('POST', path, user, body);
      expect([path, body, answer.status, answer.json.error]).toEqual([path, body, status, error]);
    }
    expect((await api('GET', `/${id}/parts`, 'ada')).status).toBe(405);
    const tooLarge = await api('POST', '/', 'ada', { filename: 'huge.bin', total_size: 64 * MiB + 1, direct: true });
    expect([tooLarge.status, tooLarge.json.error]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    const notBoolean = await api('POST', '/', 'ada', { filename: 'a.bin', total_size: 10, direct: 'yes' });
    expect([notBoolean.status, notBoolean.json.error]).toEqual([400, 'INVALID_REQUEST']);
    expect((await api('GET', `/${id}/`, 'mallory')).status).toBe(404);
    expect(await stack.snapshot()).toEqual(rows);
    expect(await bucket.keys()).toEqual(keys);
  });

  it('hands out URLs that stop working when they expire', async () => {
    const shortLived = createFrago({ repository: stack.repository, storage: new S3Storage({ ...bucket.options, partSize: PART, partUrlLifetime: 1 }) });
    const ada: Identity = { kind: 'user', id: 'ada' };
    const upload = await shortLived.service.create(ada, { filename: 'late.bin', totalSize: 10 });
    const { parts } = await shortLived.service.signParts(ada, upload.id, [1]);
    expect(parts[0]!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const late = await fetch(parts[0]!.url, { method: 'PUT', body: randomBytes(10) });
    expect(late.status).toBe(403);
    expect((await api('GET', `/${upload.id}/`, 'ada')).json.direct.missing_parts).toEqual([1]);
  });

  it('reads nothing back to finalize a direct upload given no checksum: complete, with no checksum reported', async () => {
    class CountingS3Storage extends S3Storage {
      reads = 0;
      override read(key: string, range: { start: number; end: number }): AsyncIterable<Uint8Array> {
        this.reads += 1;
        return super.read(key, range);
      }
    }
    const storage = new CountingS3Storage({ ...bucket.options, partSize: PART });
    const counted = createFrago({ repository: stack.repository, storage });
    const countedServer = await serveWithExpress(counted);
    try {
      const call = async (path: string, body: unknown) => {
        const response = await fetch(`${countedServer.origin}/upload${path}`, {
          method: 'POST',
          headers: { [TEST_USER_HEADER]: 'ada', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, json: (await response.json()) as Record<string, any> };
      };
      const send = async (file: Buffer) => {
        const id = (await call('/', { filename: 'quiet.bin', total_size: file.length, direct: true })).json.upload_id as string;
        const parts = (await call(`/${id}/parts`, { parts: [1, 2] })).json.parts as SignedPartView[];
        for (const part of parts) expect((await putPart(part, file.subarray(part.start, part.end + 1))).status).toBe(200);
        return id;
      };
      const file = randomBytes(PART + 4321);
      const quiet = await send(file);
      const finalized = await call(`/${quiet}/`, {});
      expect([finalized.status, finalized.json.checksum]).toEqual([201, null]);
      expect(storage.reads).toBe(0);
      expect((await objectBytes((await stack.repository.get(quiet))!.location!)).equals(file)).toBe(true);

      // Given a checksum, the same upload is read back once and checked.
      const checked = await send(file);
      const verified = await call(`/${checked}/`, { checksum: sha256(file), checksum_algo: 'sha256' });
      expect([verified.status, verified.json.checksum]).toEqual([201, sha256(file)]);
      expect(storage.reads).toBeGreaterThan(0);
    } finally {
      await countedServer.close();
    }
  });

  it('offers no direct upload on a storage without it, and says so', async () => {
    const disk = createFrago({ repository: stack.repository, storage: stack.storage });
    const diskServer = await serveWithExpress(disk);
    try {
      const call = async (method: string, path: string, body: unknown) => {
        const response = await fetch(`${diskServer.origin}/upload${path}`, {
          method,
          headers: { [TEST_USER_HEADER]: 'ada', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, json: (await response.json()) as Record<string, any> };
      };
      const started = await call('POST', '/', { filename: 'a.bin', total_size: 10, direct: true });
      expect([started.status, started.json.direct]).toEqual([201, null]);
      const parts = await call('POST', `/${started.json.upload_id}/parts`, { parts: [1] });
      expect([parts.status, parts.json.error]).toEqual([400, 'INVALID_REQUEST']);
      const plain = await call('POST', '/', { filename: 'b.bin', total_size: 10 });
      expect('direct' in plain.json).toBe(false);
    } finally {
      await diskServer.close();
    }
  });
});

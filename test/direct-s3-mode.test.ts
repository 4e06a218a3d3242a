import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TEST_USER_HEADER } from '@frago/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDirectS3Server, type DirectS3Server } from './support/direct-s3-server.js';

// Whether an upload is direct is kept in its row (frago_upload.direct): status and
// finalize go by the row, and only rows kept before the column existed (null) still
// go by the marker object the storage writes below the upload's incoming/ folder.

const PART = 5 * 1024 * 1024;

let server: DirectS3Server;

beforeAll(async () => {
  server = await startDirectS3Server(PART, { limits: { maxUploadSize: 64 * PART } });
});

afterAll(() => server?.close());

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.origin}/upload${path}`, {
    method,
    headers: { [TEST_USER_HEADER]: 'ada', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

/** The upload's `direct` column as the database holds it: true, false or null. */
async function directColumn(id: string): Promise<boolean | null> {
  const [row] = await server.stack.sql('select direct from frago_upload where id = ?', [id]);
  return row?.direct === null || row?.direct === undefined ? null : row.direct === true || Number(row.direct) === 1;
}

const markerKey = (id: string) => `incoming/${id}/direct`;

async function markerExists(id: string): Promise<boolean> {
  return server.bucket.client.send(new HeadObjectCommand({ Bucket: server.bucket.name, Key: markerKey(id) })).then(
    () => true,
    () => false,
  );
}

async function objectBytes(key: string): Promise<Buffer> {
  const response = await server.bucket.client.send(new GetObjectCommand({ Bucket: server.bucket.name, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

/** Starts a direct upload of `file` and sends every part to its URL; returns its id. */
async function sendDirect(file: Buffer): Promise<string> {
  const started = await api('POST', '/', { filename: 'movie.bin', total_size: file.length, direct: true });
  expect(started.status).toBe(201);
  const id = started.json.upload_id as string;
  expect(await directColumn(id)).toBe(false);
  const parts = Array.from({ length: Math.ceil(file.length / PART) }, (_, index) => index + 1);
  const signed = await api('POST', `/${id}/parts`, { parts });
  expect(signed.status).toBe(200);
  for (const part of signed.json.parts as Array<{ url: string; start: number; end: number }>) {
    expect((await fetch(part.url, { method: 'PUT', body: file.subarray(part.start, part.end + 1) })).status).toBe(200);
  }
  return id;
}

async function expectFinalizedAs(id: string, file: Buffer): Promise<void> {
  const finalized = await api('POST', `/${id}/`, {});
  expect(finalized.status).toBe(201);
  const [row] = await server.stack.sql('select status, location from frago_upload where id = ?', [id]);
  expect(row?.status).toBe('complete');
  expect((await objectBytes(String(row?.location))).equals(file)).toBe(true);
  expect(await server.bucket.multipartUploads()).toEqual([]);
}

describe('the mode of an upload, kept in its row', () => {
  it('records an upload direct when its first URL is signed, and lists its parts by the row alone', async () => {
    const file = randomBytes(PART + 4321);
    const id = await sendDirect(file);
    expect(await directColumn(id)).toBe(true);
    // Without the marker, only the row can say the upload is direct.
    await server.bucket.client.send(new DeleteObjectCommand({ Bucket: server.bucket.name, Key: markerKey(id) }));
    expect(await markerExists(id)).toBe(false);

    const status = await api('GET', `/${id}/`);
    expect(status.status).toBe(200);
    expect(status.json.missing).toEqual([]);
    expect(status.json.direct).toMatchObject({ missing_parts: [], wrong_size_parts: [] });
    await expectFinalizedAs(id, file);
  });

  it('finalizes a direct upload whose row predates the column (null) by the marker, as before', async () => {
    const file = randomBytes(2 * PART + 99);
    const id = await sendDirect(file);
    await server.stack.sql('update frago_upload set direct = null where id = ?', [id]);
    expect(await markerExists(id)).toBe(true);

    const status = await api('GET', `/${id}/`);
    expect(status.json.missing).toEqual([]);
    expect(status.json.direct).toMatchObject({ part_count: 3, missing_parts: [] });
    await expectFinalizedAs(id, file);
    expect(await directColumn(id)).toBeNull();
  });

  it('treats an upload whose row says it is not direct as sent through the server, whatever the bucket holds', async () => {
    const file = randomBytes(PART + 10);
    const started = await api('POST', '/', { filename: 'plain.bin', total_size: file.length });
    const id = started.json.upload_id as string;
    // A marker left by something else does not turn the upload direct: the row decides.
    await server.bucket.client.send(new PutObjectCommand({ Bucket: server.bucket.name, Key: markerKey(id), Body: '' }));
    const sent = await api('PUT', `/${id}/`, file.subarray(0, PART), {
      'content-type': 'application/octet-stream',
      'content-range': `bytes 0-${PART - 1}/${file.length}`,
    });
    expect(sent.status).toBe(200);

    const status = await api('GET', `/${id}/`);
    expect(status.json.missing).toEqual([{ start: PART, end: file.length - 1 }]);
    expect('direct' in status.json).toBe(false);
    expect(await directColumn(id)).toBe(false);

    const rest = await api('PUT', `/${id}/`, file.subarray(PART), {
      'content-type': 'application/octet-stream',
      'content-range': `bytes ${PART}-${file.length - 1}/${file.length}`,
    });
    expect(rest.status).toBe(200);
    await expectFinalizedAs(id, file);
  });
});

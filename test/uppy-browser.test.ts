import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createFrago, identityOf, type UploadRecord } from '@frago/core';
import { createTestBucket, listen, TEST_S3_CREDENTIALS, type TestBucket } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { S3Storage } from '@frago/storage-s3';
import express from 'express';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './support/browser-bundle.js';
import { launchChromium, type Chromium } from './support/chromium.js';
import { openStack, type Stack } from './support/stack.js';
import { keepScreenshot } from './support/test-output.js';
import { forwardToS3, slowly } from './support/uppy-page/s3-proxy.js';

// Uppy 6 with @uppy/aws-s3 in Chromium against frago's Companion-style endpoints. The
// page, frago and the bucket share one origin: requests for the bucket's path go on to
// the S3 server unchanged (the storage signs its URLs for this origin), so neither CORS
// on the bucket nor a second origin is involved.

const MiB = 1024 * 1024;
const PART = 5 * MiB;

let stack: Stack;
let bucket: TestBucket;
let browser: Chromium;
let origin: string;
let close: () => Promise<void>;
let folder: string;
const completed: string[] = [];

/** A part PUT the page sent to the bucket: the bucket's status, null while unanswered or when the page went away first. */
interface PartPut {
  readonly part: number;
  status: number | null;
}

/** Every part PUT that reached the bucket's path, in order. */
const partPuts: PartPut[] = [];
/** The files whose forms the page posted to frago (`POST /s3/form?filename=`), in order. */
const formPosts: string[] = [];
/** Parts whose PUTs reach the bucket with a broken signature (the bucket refuses them, 403) while listed here. */
const refused = new Set<number>();
/** The pace of part PUTs to the bucket, in bytes per second; unlimited while null. */
let pace: number | null = null;

/** What the page keeps of Uppy's result. */
interface Outcome {
  readonly successful: ReadonlyArray<{ readonly name: string }>;
  readonly failed: ReadonlyArray<{ readonly name: string; readonly error: string }>;
}

/** A listed part, as frago answers Uppy's `GET /s3/multipart/:uploadId?key=`. */
interface ListedPart {
  readonly PartNumber: number;
  readonly Size: number;
  readonly ETag: string;
}

beforeAll(async () => {
  stack = await openStack('postgresql');
  bucket = await createTestBucket();
  const { script } = await bundleForBrowser({ file: 'test/support/uppy-page/entry.ts' });
  const app = express();
  const server = await listen(createServer(app));
  origin = server.origin;
  close = server.close;
  const frago = createFrago({
    repository: stack.repository,
    storage: new S3Storage({ bucket: bucket.name, endpoint: origin, region: 'us-east-1', credentials: TEST_S3_CREDENTIALS, forcePathStyle: true, partSize: PART }),
    companion: true,
  });
  frago.events.on('upload:completed', ({ upload }) => completed.push(upload.id));
  app.use((req, res, next) => {
    if (!req.url.startsWith(`/${bucket.name}`)) return next();
    const part = Number(new URL(req.url, origin).searchParams.get('partNumber'));
    if (req.method !== 'PUT' || !(part > 0)) return forwardToS3(bucket.endpoint, req, res);
    const put: PartPut = { part, status: null };
    partPuts.push(put);
    res.on('finish', () => (put.status = res.statusCode));
    if (refused.has(part)) req.url = req.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
    forwardToS3(bucket.endpoint, req, res, pace === null ? req : slowly(req, pace));
  });
  app.post('/s3/form', (req, _res, next) => {
    formPosts.push(new URL(req.url, origin).searchParams.get('filename') ?? '');
    next();
  });
  const signedIn = (cookie: string | undefined) => /(?:^|;\s*)user=(\w+)/.exec(cookie ?? '')?.[1];
  app.use(fragoExpress(frago, { identify: (req) => identityOf('user', signedIn(req.headers.cookie) ?? null) }));
  app.get('/', (_req, res) => {
    res.type('html').send('<!doctype html><meta charset="utf-8"><input id="files" type="file" multiple><p id="state"></p><script type="module" src="/page.js"></script>');
  });
  app.get('/page.js', (_req, res) => void res.type('text/javascript').send(script));
  browser = await launchChromium();
  folder = await mkdtemp(join(tmpdir(), 'frago-uppy-'));
});

afterAll(async () => {
  await browser?.close();
  await close?.();
  await bucket?.drop();
  await stack?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

afterEach(() => {
  pace = null;
  refused.clear();
});

/** A fresh page signed in as `user` (with the page's errors), that has Uppy upload `files` with `query` in its URL. */
async function uploadInPage(user: string, files: Record<string, Buffer>, query: string): Promise<{ page: Page; errors: string[] }> {
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
  await browser.context.addCookies([{ name: 'user', value: user, url: origin }]);
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/?partSize=${PART}&${query}`);
  await page.setInputFiles('#files', Object.keys(files).map((name) => join(folder, name)));
  return { page, errors };
}

/** What Uppy reported once its upload (or retry) settled. */
async function outcomeOf(page: Page): Promise<Outcome> {
  await page.waitForFunction('window.uppyOutcome?.done === true', undefined, { timeout: 60_000 });
  return (await page.evaluate('window.uppyOutcome')) as Outcome;
}

/** `user`'s upload of `filename`, as frago records it. */
async function uploadOf(user: string, filename: string): Promise<UploadRecord> {
  const upload = (await stack.repository.list(`user:${user}`, { limit: 10 })).find((candidate) => candidate.filename === filename);
  if (upload === undefined) throw new Error(`frago has no upload of ${filename} for ${user}`);
  return upload;
}

/** The parts frago lists for `user`'s upload, as Uppy asks for them when it resumes. */
async function listedParts(user: string, id: string): Promise<ListedPart[]> {
  const response = await fetch(`${origin}/s3/multipart/${id}?key=${id}`, { headers: { cookie: `user=${user}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as ListedPart[];
}

/** The object a completed upload left in the bucket. */
async function storedObject(upload: UploadRecord): Promise<Buffer> {
  const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload.location! }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** The PUTs of part `part` sent since `from` (an index into {@link partPuts}). */
function putsOf(part: number, from: number): PartPut[] {
  return partPuts.slice(from).filter((put) => put.part === part);
}

describe('Uppy 6 (@uppy/aws-s3) in Chromium against frago', () => {
  it('uploads a multipart file, a small one and an empty one as forms, each byte for byte in the bucket', async () => {
    const files = { 'large.bin': randomBytes(2 * PART + 12_345), 'small.txt': randomBytes(100 * 1024), 'empty.txt': Buffer.alloc(0) };
    const { page, errors } = await uploadInPage('ada', files, '');
    const outcome = await outcomeOf(page);
    await page.close();

    expect(errors).toEqual([]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.successful.map((file) => file.name).sort()).toEqual(['empty.txt', 'large.bin', 'small.txt']);
    const uploads = await stack.repository.list('user:ada', { limit: 10 });
    expect(uploads.map((upload) => [upload.filename, upload.status]).sort()).toEqual([
      ['empty.txt', 'complete'],
      ['large.bin', 'complete'],
      ['small.txt', 'complete'],
    ]);
    // Only the large file went straight to the bucket; the small ones were posted to frago as forms.
    expect(uploads.map((upload) => [upload.filename, upload.direct === true]).sort()).toEqual([
      ['empty.txt', false],
      ['large.bin', true],
      ['small.txt', false],
    ]);
    expect(formPosts).toEqual(expect.arrayContaining(['small.txt', 'empty.txt']));
    for (const upload of uploads) expect((await storedObject(upload)).equals(files[upload.filename as keyof typeof files])).toBe(true);
    expect(completed.sort()).toEqual(uploads.map((upload) => upload.id).sort());
    expect(await bucket.multipartUploads()).toEqual([]);
  });

  it('takes files from Uppy set up as its documentation says, without sizes: forms, byte for byte', async () => {
    const files = { 'photo.jpg': randomBytes(3 * MiB + 17), 'notes.txt': randomBytes(2_000), 'blank.txt': Buffer.alloc(0) };
    const { page, errors } = await uploadInPage('bea', files, 'plain');
    const outcome = await outcomeOf(page);
    await page.close();

    expect(errors).toEqual([]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.successful.map((file) => file.name).sort()).toEqual(['blank.txt', 'notes.txt', 'photo.jpg']);
    const uploads = await stack.repository.list('user:bea', { limit: 10 });
    expect(uploads.map((upload) => [upload.filename, upload.status, upload.totalSize]).sort()).toEqual([
      ['blank.txt', 'complete', 0],
      ['notes.txt', 'complete', 2_000],
      ['photo.jpg', 'complete', 3 * MiB + 17],
    ]);
    for (const upload of uploads) expect((await storedObject(upload)).equals(files[upload.filename as keyof typeof files])).toBe(true);
    expect(completed).toEqual(expect.arrayContaining(uploads.map((upload) => upload.id)));
  });

  it('pauses a multipart upload halfway through a part, resumes it, and sends no stored part again', async () => {
    // Five parts (four of 5 MiB and one of 4 MiB); paused while the third is on its way.
    const file = randomBytes(24 * MiB);
    const from = partPuts.length;
    pace = 20 * MiB;
    const { page, errors } = await uploadInPage('bea', { 'paused.bin': file }, `pauseAt=${2 * PART + PART / 2}`);
    await page.waitForFunction('window.uppyPaused !== null', undefined, { timeout: 60_000 });
    await keepScreenshot(page, 'uppy-s3-paused.png');

    const paused = await uploadOf('bea', 'paused.bin');
    expect(paused.status).toBe('in_progress');
    const stored = await listedParts('bea', paused.id);
    // The first two parts had been answered; the third was cut off by the pause (or, at the latest, just made it).
    expect(stored.map((part) => part.PartNumber)).toEqual(stored.length === 2 ? [1, 2] : [1, 2, 3]);
    expect(stored.every((part) => part.Size === PART && /^"[0-9a-f]{32}"$/.test(part.ETag))).toBe(true);
    expect(await bucket.multipartUploads()).toHaveLength(1);

    await page.evaluate('window.uppyResume()');
    const outcome = await outcomeOf(page);
    await keepScreenshot(page, 'uppy-s3-resumed.png');
    await page.close();

    expect(errors).toEqual([]);
    expect(outcome).toEqual({ done: true, successful: [{ name: 'paused.bin', uploadURL: expect.any(String) }], failed: [] });
    const upload = await uploadOf('bea', 'paused.bin');
    expect(upload.status).toBe('complete');
    expect(completed).toContain(upload.id);
    expect((await storedObject(upload)).equals(file)).toBe(true);
    // Uppy asked frago which parts the bucket held and sent each of those once only.
    for (const { PartNumber } of stored) expect(putsOf(PartNumber, from)).toEqual([{ part: PartNumber, status: 200 }]);
    for (let part = stored.length + 1; part <= 5; part += 1) {
      expect(putsOf(part, from).filter((put) => put.status === 200)).toHaveLength(1);
    }
    expect(await bucket.multipartUploads()).toEqual([]);
  });

  it('retries an upload whose part the bucket refused, from the parts frago lists', async () => {
    const file = randomBytes(3 * PART + 777);
    const from = partPuts.length;
    refused.add(2);
    const { page, errors } = await uploadInPage('cyd', { 'refused.bin': file }, '');
    const failed = await outcomeOf(page);
    refused.clear();

    expect(failed.successful).toEqual([]);
    expect(failed.failed.map((entry) => entry.name)).toEqual(['refused.bin']);
    const pending = await uploadOf('cyd', 'refused.bin');
    expect(pending.status).toBe('in_progress');
    expect((await listedParts('cyd', pending.id)).map((part) => part.PartNumber)).toEqual([1]);
    // Uppy sends a refused part once: it retries only 5xx and 429 answers by itself.
    expect(putsOf(2, from)).toEqual([{ part: 2, status: 403 }]);

    await page.evaluate('window.uppyRetry()');
    const outcome = await outcomeOf(page);
    await keepScreenshot(page, 'uppy-s3-retried.png');
    await page.close();

    expect(errors).toEqual([]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.successful.map((entry) => entry.name)).toEqual(['refused.bin']);
    const upload = await uploadOf('cyd', 'refused.bin');
    expect(upload).toMatchObject({ id: pending.id, status: 'complete' });
    expect((await storedObject(upload)).equals(file)).toBe(true);
    // The retry asked frago for the stored parts and sent only the others.
    expect(putsOf(1, from)).toEqual([{ part: 1, status: 200 }]);
    expect(putsOf(2, from)).toEqual([
      { part: 2, status: 403 },
      { part: 2, status: 200 },
    ]);
    for (const part of [3, 4]) expect(putsOf(part, from)).toEqual([{ part, status: 200 }]);
    expect(await bucket.multipartUploads()).toEqual([]);
  });
});

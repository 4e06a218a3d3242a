import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createFrago, identityOf } from '@frago/core';
import { createTestBucket, listen, TEST_S3_CREDENTIALS, type TestBucket } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { S3Storage } from '@frago/storage-s3';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from './support/browser-bundle.js';
import { launchChromium, type Chromium } from './support/chromium.js';
import { openStack, type Stack } from './support/stack.js';
import { forwardToS3 } from './support/uppy-page/s3-proxy.js';

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

/** What the page keeps of Uppy's result. */
interface Outcome {
  readonly successful: ReadonlyArray<{ readonly name: string }>;
  readonly failed: ReadonlyArray<{ readonly name: string; readonly error: string }>;
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
  app.use((req, res, next) => (req.url.startsWith(`/${bucket.name}`) ? forwardToS3(bucket.endpoint, req, res) : next()));
  const signedIn = (cookie: string | undefined) => /(?:^|;\s*)user=(\w+)/.exec(cookie ?? '')?.[1];
  app.use(fragoExpress(frago, { identify: (req) => identityOf('user', signedIn(req.headers.cookie) ?? null) }));
  app.get('/', (_req, res) => {
    res.type('html').send('<!doctype html><meta charset="utf-8"><input id="files" type="file" multiple><script type="module" src="/page.js"></script>');
  });
  app.get('/page.js', (_req, res) => void res.type('text/javascript').send(script));
  browser = await launchChromium();
  await browser.context.addCookies([{ name: 'user', value: 'ada', url: origin }]);
  folder = await mkdtemp(join(tmpdir(), 'frago-uppy-'));
});

afterAll(async () => {
  await browser?.close();
  await close?.();
  await bucket?.drop();
  await stack?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('Uppy 6 (@uppy/aws-s3) in Chromium against frago', () => {
  it('uploads a multipart file and a small one, both byte for byte in the bucket', async () => {
    const files = { 'large.bin': randomBytes(2 * PART + 12_345), 'small.txt': randomBytes(100 * 1024) };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/?partSize=${PART}`);
    await page.setInputFiles('#files', Object.keys(files).map((name) => join(folder, name)));
    await page.waitForFunction('window.uppyOutcome?.done === true', undefined, { timeout: 60_000 });
    const outcome = (await page.evaluate('window.uppyOutcome')) as Outcome;

    expect(errors).toEqual([]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.successful.map((file) => file.name).sort()).toEqual(['large.bin', 'small.txt']);
    const uploads = await stack.repository.list('user:ada', { limit: 10 });
    expect(uploads.map((upload) => [upload.filename, upload.status]).sort()).toEqual([
      ['large.bin', 'complete'],
      ['small.txt', 'complete'],
    ]);
    for (const upload of uploads) {
      const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload.location! }));
      const stored = Buffer.from(await object.Body!.transformToByteArray());
      expect(stored.equals(files[upload.filename as keyof typeof files])).toBe(true);
    }
    expect(completed.sort()).toEqual(uploads.map((upload) => upload.id).sort());
    expect(await bucket.multipartUploads()).toEqual([]);
  });
});

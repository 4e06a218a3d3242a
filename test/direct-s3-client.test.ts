import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { FragoClient, MemoryStore, type ClientOptions } from '@frago/client';
import { fileSource } from '@frago/client/node';
import { startFaultProxy, testS3Endpoint, TEST_USER_HEADER, type FaultProxy, type TestBucket } from '@frago/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/server-process.js';
import { startDirectS3Server, type DirectS3Server } from './support/direct-s3-server.js';
import type { Stack } from './support/stack.js';

// @frago/client in direct mode against Express, PostgreSQL and the S3 test server: the
// parts go from the file straight to the bucket, the server only signs and keeps count.
// The storage's endpoint is a proxy in front of the S3 server, so the part URLs lead
// through it: it sees every part's headers, and changes a part's bytes when told to.

const MiB = 1024 * 1024;
const PART = 8 * MiB;

let server: DirectS3Server;
let proxy: FaultProxy;
let stack: Stack;
let bucket: TestBucket;
let origin: string;
let folder: string;

/** Every request the client made: method, URL, and the body of a JSON request. */
const requests: Array<{ method: string; url: URL; json?: unknown }> = [];
const loggingFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  const json = headers.get('content-type') === 'application/json' && init?.body instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(init.body)) : undefined;
  requests.push({ method: init?.method ?? 'GET', url: new URL(String(input)), ...(json === undefined ? {} : { json }) });
  return fetch(input, init);
};

beforeAll(async () => {
  proxy = await startFaultProxy(testS3Endpoint());
  server = await startDirectS3Server(PART, {}, { endpoint: proxy.origin });
  ({ stack, bucket, origin } = server);
  folder = await mkdtemp(join(tmpdir(), 'frago-direct-'));
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const client = (options: Partial<ClientOptions> = {}) =>
  new FragoClient({ endpoint: `${origin}/upload`, headers: { [TEST_USER_HEADER]: 'ada' }, fetch: loggingFetch, retryDelayMs: 20, store: new MemoryStore(), ...options });

async function sourceFile(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const path = join(folder, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

async function assembled(uploadId: string): Promise<Buffer> {
  const upload = await stack.repository.get(uploadId);
  const response = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: upload!.location! }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

const partPuts = (since: number) =>
  requests.slice(since).filter((request) => request.method === 'PUT').map((request) => Number(request.url.searchParams.get('partNumber')));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

/** The part PUTs that reached the proxy from its `since`th request on: part, Content-MD5 and the S3 server's answer. */
const proxiedParts = (since: number) =>
  proxy.log
    .slice(since)
    .filter((request) => request.method === 'PUT' && new URL(request.url, proxy.origin).searchParams.has('partNumber'))
    .map((request) => ({
      part: Number(new URL(request.url, proxy.origin).searchParams.get('partNumber')),
      contentMd5: request.headers['content-md5'],
      status: request.status,
    }));
const partBytes = (bytes: Buffer, part: number) => bytes.subarray((part - 1) * PART, part * PART);

describe('@frago/client in direct mode on S3', () => {
  it('sends a 100 MiB file in parallel parts straight to the bucket, byte for byte, checksum verified', async () => {
    const { path, bytes } = await sourceFile('big.bin', 100 * MiB);
    const since = requests.length;
    const proxied = proxy.log.length;
    const upload = client({ parallel: 4, checksum: 'sha256', partChecksums: true }).upload(await fileSource(path));
    let sending = 0;
    let mostSending = 0;
    upload.on('chunk', (chunk) => {
      sending += chunk.state === 'sending' ? 1 : chunk.state === 'done' ? -1 : 0;
      mostSending = Math.max(mostSending, sending);
    });
    const sessions: Array<[boolean, boolean]> = [];
    upload.on('session', (session) => sessions.push([session.direct, session.partChecksums]));
    const result = await upload.done;

    expect(sessions).toEqual([[true, true]]);
    expect(result).toMatchObject({ totalSize: 100 * MiB, verified: true, checksum: sha256(bytes), checksumAlgorithm: 'sha256' });
    expect(mostSending).toBeGreaterThan(1);
    expect(partPuts(since).sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, n) => n + 1));
    // Not one byte of the file went to the frago server.
    const toServer = requests.slice(since).filter((request) => request.url.origin === origin);
    expect(toServer.every((request) => request.method !== 'PUT')).toBe(true);
    // The parts were hashed ahead of their turn and signed, bound to their MD5s, many to a request.
    const signing = toServer.filter((request) => request.url.pathname.endsWith('/parts')).length;
    expect(signing).toBeGreaterThanOrEqual(1);
    expect(signing).toBeLessThanOrEqual(Math.ceil(13 / 8) + 2);
    // Each part went with the MD5 of its bytes, signed into its URL, and the S3 server checked it.
    const partUrls = requests.slice(since).filter((request) => request.method === 'PUT');
    expect(partUrls.every((request) => request.url.searchParams.get('X-Amz-SignedHeaders')?.split(';').includes('content-md5'))).toBe(true);
    const parts = proxiedParts(proxied).sort((a, b) => a.part - b.part);
    expect(parts).toEqual(Array.from({ length: 13 }, (_, n) => ({ part: n + 1, contentMd5: md5(partBytes(bytes, n + 1)), status: 200 })));
    expect((await assembled(result.uploadId)).equals(bytes)).toBe(true);
    expect(await bucket.multipartUploads()).toEqual([]);
  });

  it('has the bucket refuse a part whose bytes changed on the way, and sends it again from the file', async () => {
    const { path, bytes } = await sourceFile('changed.bin', 3 * PART + 5);
    const proxied = proxy.log.length;
    let corrupted = false;
    proxy.decide((request) => {
      if (corrupted || request.method !== 'PUT' || !request.url.includes('partNumber=2&')) return 'pass';
      corrupted = true;
      return 'corrupt';
    });
    try {
      // No whole-file checksum: the parts' MD5s alone guard the bytes, and the server reads nothing back.
      const upload = client({ parallel: 2, checksum: false, partChecksums: true }).upload(await fileSource(path));
      const retries: Array<{ status?: number; serverCode?: string; range: unknown }> = [];
      upload.on('retry', ({ error, range }) => retries.push({ status: error.status, serverCode: error.serverCode, range }));
      const result = await upload.done;

      expect(retries).toEqual([{ status: 400, serverCode: 'BadDigest', range: { start: PART, end: 2 * PART - 1 } }]);
      const parts = proxiedParts(proxied);
      expect(parts.filter((put) => put.part === 2)).toEqual([
        { part: 2, contentMd5: md5(partBytes(bytes, 2)), status: 400 },
        { part: 2, contentMd5: md5(partBytes(bytes, 2)), status: 200 },
      ]);
      expect(parts.filter((put) => put.part !== 2).map((put) => put.status)).toEqual([200, 200, 200]);
      expect((await assembled(result.uploadId)).equals(bytes)).toBe(true);
      expect((await stack.repository.get(result.uploadId))?.status).toBe('complete');
      expect(server.completed).toContain(result.uploadId);
    } finally {
      proxy.decide(() => 'pass');
    }
  });

  it('reads a part hashed ahead again when it is sent, and re-hashes and re-signs it alone when the file changed meanwhile', async () => {
    const { path, bytes } = await sourceFile('rewritten.bin', 4 * PART + 5);
    const since = requests.length;
    const proxied = proxy.log.length;
    // A slow first part: the parts after it are hashed ahead while it is on its way.
    proxy.throttle(4 * MiB);
    const fresh = randomBytes(PART);
    try {
      const upload = client({ parallel: 1, checksum: false, partChecksums: true }).upload(await fileSource(path));
      upload.on('chunk', (chunk) => {
        if (chunk.state !== 'done' || chunk.start !== 0) return;
        // Part 4 was hashed, its bytes not kept: it is read from the file again when sent.
        const file = openSync(path, 'r+');
        writeSync(file, fresh, 0, PART, 3 * PART);
        closeSync(file);
        proxy.throttle(0);
      });
      const retries: Array<{ serverCode?: string; range: unknown }> = [];
      upload.on('retry', ({ error, range }) => retries.push({ serverCode: error.serverCode, range }));
      const result = await upload.done;

      expect(retries).toEqual([{ serverCode: 'BadDigest', range: { start: 3 * PART, end: 4 * PART - 1 } }]);
      const now = Buffer.concat([bytes.subarray(0, 3 * PART), fresh, bytes.subarray(4 * PART)]);
      const signed = requests
        .slice(since)
        .filter((request) => request.url.pathname.endsWith('/parts'))
        .map((request) => (request.json as { parts: unknown[] }).parts);
      expect(signed.length).toBeLessThanOrEqual(3);
      expect(signed.at(-1)).toEqual([{ part: 4, md5: md5(fresh) }]);
      expect(signed.slice(0, -1).flat()).toContainEqual({ part: 4, md5: md5(partBytes(bytes, 4)) });
      const parts = proxiedParts(proxied);
      expect(parts.filter((put) => put.part === 4)).toEqual([
        { part: 4, contentMd5: md5(partBytes(bytes, 4)), status: 400 },
        { part: 4, contentMd5: md5(fresh), status: 200 },
      ]);
      expect(parts.filter((put) => put.status === 200).every((put) => put.contentMd5 === md5(partBytes(now, put.part)))).toBe(true);
      expect((await assembled(result.uploadId)).equals(now)).toBe(true);
    } finally {
      proxy.throttle(0);
    }
  });

  it('sends the parts without their MD5s by default, their URLs signed in one batch', async () => {
    const { path, bytes } = await sourceFile('unbound.bin', 3 * PART + 5);
    const since = requests.length;
    const proxied = proxy.log.length;
    const upload = client({ parallel: 2 }).upload(await fileSource(path));
    const sessions: boolean[] = [];
    upload.on('session', (session) => sessions.push(session.partChecksums));
    const result = await upload.done;

    expect(sessions).toEqual([false]);
    expect(proxiedParts(proxied).map((put) => put.contentMd5)).toEqual([undefined, undefined, undefined, undefined]);
    expect(requests.slice(since).filter((request) => request.url.pathname.endsWith('/parts')).length).toBe(1);
    expect((await assembled(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('resumes from the status after it was stopped mid-upload, sending only the parts the bucket lacks', async () => {
    const { path, bytes } = await sourceFile('stopped.bin', 5 * PART + 3);
    const store = new MemoryStore();
    const stop = new AbortController();
    const first = client({ store, parallel: 2 }).upload(await fileSource(path), { signal: stop.signal });
    let done = 0;
    first.on('chunk', (chunk) => {
      if (chunk.state === 'done' && ++done === 2) stop.abort();
    });
    await expect(first.done).rejects.toMatchObject({ code: 'CANCELLED' });
    const uploadId = first.uploadId!;
    const status = await client().status(uploadId);
    expect(status.direct?.part_count).toBe(6);
    const held = 6 - status.direct!.missing_parts.length;
    expect(held).toBeGreaterThanOrEqual(2);
    expect(held).toBeLessThan(6);

    const since = requests.length;
    const second = client({ store, parallel: 2 }).upload(await fileSource(path));
    const result = await second.done;
    expect(result).toMatchObject({ uploadId, resumed: true, resumedBytes: status.received_bytes });
    expect(partPuts(since).sort((a, b) => a - b)).toEqual([...status.direct!.missing_parts]);
    expect((await assembled(uploadId)).equals(bytes)).toBe(true);
  });

  it('pauses and resumes a direct upload', async () => {
    const { path, bytes } = await sourceFile('paused.bin', 3 * PART);
    const upload = client({ parallel: 1 }).upload(await fileSource(path));
    const phases: string[] = [];
    upload.on('phase', (phase) => phases.push(phase));
    upload.on('chunk', (chunk) => {
      if (chunk.state === 'done' && upload.phase === 'uploading' && !phases.includes('paused')) {
        upload.pause();
        setTimeout(() => upload.resume(), 200);
      }
    });
    const result = await upload.done;
    expect(phases).toContain('paused');
    expect(phases.at(-1)).toBe('complete');
    expect((await assembled(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('sends through the server when told not to go direct', async () => {
    const { path, bytes } = await sourceFile('through.bin', PART + 5);
    const since = requests.length;
    const result = await client({ direct: false }).upload(await fileSource(path)).done;
    expect(requests.slice(since).filter((request) => request.method === 'PUT').every((request) => request.url.origin === origin)).toBe(true);
    expect((await assembled(result.uploadId)).equals(bytes)).toBe(true);
  });

  it('the CLI sends straight to the bucket, and after a kill mid-upload resumes from the status', async () => {
    const { path, bytes } = await sourceFile('cli.bin', 12 * PART + 11);
    const state = join(folder, 'state.json');
    const args = ['upload', path, '--url', `${origin}/upload`, '-H', `${TEST_USER_HEADER}: ada`, '--state', state, '--parallel', '1', '--part-checksums'];
    const run = (during?: (child: ReturnType<typeof spawn>, output: () => string) => void) => {
      const child = spawn(process.execPath, [join(ROOT, 'packages/client/dist/cli/main.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (piece: Buffer) => (stdout += piece.toString()));
      during?.(child, () => stdout);
      return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal, stdout })),
      );
    };
    let uploadId = '';
    const proxied = proxy.log.length;
    const killed = await run((child, output) => {
      const timer = setInterval(async () => {
        uploadId ||= /started upload ([\w-]+)/.exec(output())?.[1] ?? '';
        if (!uploadId) return;
        const status = await client().status(uploadId);
        if (status.received_bytes >= PART) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      }, 50);
      child.on('close', () => clearInterval(timer));
    });
    expect(killed.signal).toBe('SIGKILL');
    const before = await client().status(uploadId);
    expect(before.direct!.missing_parts.length).toBeGreaterThan(0);

    const since = requests.length;
    const resumed = await run();
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`complete, upload ${uploadId}`);
    expect(requests.length).toBe(since);
    // Every part the CLI sent, in both runs, was bound to its MD5 (a part cut off by the kill has no answer).
    const parts = proxiedParts(proxied);
    expect(parts.every((put) => put.contentMd5 === md5(partBytes(bytes, put.part)))).toBe(true);
    expect(new Set(parts.filter((put) => put.status === 200).map((put) => put.part)).size).toBe(13);
    expect((await assembled(uploadId)).equals(bytes)).toBe(true);
    expect(await bucket.multipartUploads()).toEqual([]);
  });
});

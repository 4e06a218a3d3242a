import { createHash, randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTusConformance, startFaultProxy, TEST_USER_HEADER } from '@frago/conformance';
import { createFrago, type Frago } from '@frago/core';
import { Upload } from 'tus-js-client';
import { openStack, type Stack } from './support/stack.js';
import { serveWithExpress } from './support/express-target.js';
import { memoryUrlStorage, tusPart, tusUpload } from './support/tus-upload.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('base64');
const b64 = (text: string) => Buffer.from(text).toString('base64');
const TUS = { 'tus-resumable': '1.0.0' };

describe('tus 1.0 with the real tus-js-client 4.3.1, on Express + SQLite + disk over a socket', () => {
  let stack: Stack;
  let frago: Frago;
  let server: { origin: string; close: () => Promise<void> };
  const completed: string[] = [];
  const endpoint = () => `${server.origin}/files/`;
  const idOf = (url: string) => url.split('/').pop() ?? '';
  const rowCount = async () => (await stack.sql('select count(*) as n from frago_upload'))[0]?.n;

  beforeAll(async () => {
    stack = await openStack('sqlite');
    frago = createFrago({
      repository: stack.repository,
      storage: stack.storage,
      tus: true,
      limits: { maxUploadSize: 64 * MiB },
      cors: { origin: '*' },
    });
    frago.events.on('upload:completed', ({ upload }) => completed.push(upload.id));
    server = await serveWithExpress(frago);
  });
  afterAll(async () => {
    await server?.close();
    await stack?.close();
  });

  /** The frago status of an upload, as GET /upload/<id>/ answers it. */
  async function fragoStatus(id: string) {
    const response = await fetch(`${server.origin}/upload/${id}/`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('uploads 5 MiB + 1 in 1 MiB chunks: byte-identical on disk, complete in frago with its checksum and event', async () => {
    const bytes = randomBytes(5 * MiB + 1);
    const run = await tusUpload(bytes, { endpoint: endpoint(), chunkSize: MiB, metadata: { filename: 'report.pdf', kind: 'Ünïcode' } });
    expect(run.outcome).toBe('success');
    expect(run.requests.filter((request) => request.method === 'PATCH')).toHaveLength(6);
    const id = idOf(run.url);
    const { status, body } = await fragoStatus(id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'complete', filename: 'report.pdf', total_size: 5 * MiB + 1, checksum: md5(bytes), missing: [] });
    expect(body.metadata).toEqual({ filename: 'report.pdf', kind: 'Ünïcode' });
    const [row] = await stack.sql('select location from frago_upload where id = ?', [id]);
    expect(Buffer.from(await stack.readAssembled(String(row?.location))).equals(bytes)).toBe(true);
    expect(completed).toContain(id);

    const head = await fetch(run.url, { method: 'HEAD', headers: TUS });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(5 * MiB + 1));
    expect(head.headers.get('upload-length')).toBe(String(5 * MiB + 1));
    expect(head.headers.get('cache-control')).toBe('no-store');
    expect(head.headers.get('upload-metadata')?.split(',').sort()).toEqual([`filename ${b64('report.pdf')}`, `kind ${b64('Ünïcode')}`]);
  });

  it('resumes after a PATCH cut off mid-way: HEAD gives the stored offset and the next PATCH starts there', async () => {
    const bytes = randomBytes(4 * MiB);
    const first = await tusUpload(bytes, { endpoint: endpoint(), chunkSize: MiB, stopWhen: (sent) => sent > 2.5 * MiB });
    expect(first.outcome).toBe('aborted');
    const head = await fetch(first.url, { method: 'HEAD', headers: TUS });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(2 * MiB);
    expect(offset % MiB).toBe(0);

    const resumed = await tusUpload(bytes, { uploadUrl: first.url, chunkSize: MiB });
    expect(resumed.outcome).toBe('success');
    expect(resumed.requests[0]).toMatchObject({ method: 'HEAD' });
    expect(resumed.requests[1]).toMatchObject({ method: 'PATCH', offset: String(offset) });
    const { body } = await fragoStatus(idOf(first.url));
    expect(body).toMatchObject({ status: 'complete', checksum: md5(bytes) });
  });

  it('sends the bytes with the creation request (creation-with-upload) and through X-HTTP-Method-Override', async () => {
    const small = randomBytes(1000);
    const once = await tusUpload(small, { endpoint: endpoint(), uploadDataDuringCreation: true, metadata: { name: 'small.txt' } });
    expect(once.requests.map((request) => request.method)).toEqual(['POST']);
    expect((await fragoStatus(idOf(once.url))).body).toMatchObject({ status: 'complete', filename: 'small.txt', checksum: md5(small) });

    const bytes = randomBytes(2 * MiB);
    const overridden = await tusUpload(bytes, { endpoint: endpoint(), chunkSize: MiB, overridePatchMethod: true });
    expect(overridden.requests.map((request) => request.method)).toEqual(['POST', 'POST', 'POST']);
    expect((await fragoStatus(idOf(overridden.url))).body).toMatchObject({ status: 'complete', checksum: md5(bytes) });
  });

  it('uploads a stream of unknown length (uploadLengthDeferred): byte-identical, the length declared by the last PATCH', async () => {
    for (const size of [3 * MiB + 123, 2 * MiB]) {
      const bytes = randomBytes(size);
      // Pieces of odd sizes, as a pipe or a socket hands them out.
      const pieces = Array.from({ length: Math.ceil(size / 100_003) }, (_, index) => bytes.subarray(index * 100_003, (index + 1) * 100_003));
      const run = await tusUpload(Readable.from(pieces), { endpoint: endpoint(), chunkSize: MiB, uploadLengthDeferred: true, metadata: { filename: 'stream.bin' } });
      expect(run.outcome).toBe('success');
      const id = idOf(run.url);
      const { body } = await fragoStatus(id);
      expect(body).toMatchObject({ status: 'complete', filename: 'stream.bin', total_size: size, checksum: md5(bytes), missing: [] });
      const [row] = await stack.sql('select location, total_size, size_deferred from frago_upload where id = ?', [id]);
      expect([Number(row?.total_size), Number(row?.size_deferred)]).toEqual([size, 0]);
      expect(Buffer.from(await stack.readAssembled(String(row?.location))).equals(bytes)).toBe(true);
      expect(completed).toContain(id);
    }
  });

  it("joins parts on disk without copying the first: the joined file is the first part's file, the rest appended", async () => {
    const first = randomBytes(MiB + 17);
    const second = randomBytes(MiB - 5);
    const [a, b] = [await tusPart(endpoint(), first), await tusPart(endpoint(), second)];
    const inode = async (path: string) => (await stat(path)).ino;
    const firstInode = await inode(join(stack.storage.options.incomingDir, `${idOf(a)}.part`));

    const final = await fetch(endpoint(), { method: 'POST', headers: { ...TUS, 'upload-concat': `final;${a} ${b}`, 'upload-metadata': `filename ${b64('joined.bin')}` } });
    expect(final.status).toBe(201);
    const id = idOf(final.headers.get('location') ?? '');
    const bytes = Buffer.concat([first, second]);
    expect((await fragoStatus(id)).body).toMatchObject({ status: 'complete', total_size: bytes.length, checksum: md5(bytes) });
    const [row] = await stack.sql('select location from frago_upload where id = ?', [id]);
    expect(Buffer.from(await stack.readAssembled(String(row?.location))).equals(bytes)).toBe(true);
    expect(await inode(String(row?.location))).toBe(firstInode);
    expect((await fetch(a, { method: 'HEAD', headers: TUS })).status).toBe(410);
  });

  it('terminates an upload: DELETE 204, then HEAD and PATCH answer 410', async () => {
    const bytes = randomBytes(3 * MiB);
    const run = await tusUpload(bytes, { endpoint: endpoint(), chunkSize: MiB, stopWhen: (sent) => sent >= MiB });
    await Upload.terminate(run.url, { retryDelays: [] });
    const head = await fetch(run.url, { method: 'HEAD', headers: TUS });
    expect(head.status).toBe(410);
    expect(head.headers.get('tus-resumable')).toBe('1.0.0');
    const patch = await fetch(run.url, {
      method: 'PATCH',
      headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: bytes.subarray(0, 10),
    });
    expect(patch.status).toBe(410);
    expect(await patch.json()).toMatchObject({ error: 'UPLOAD_ABORTED' });
    expect((await fragoStatus(idOf(run.url))).status).toBe(410);
  });

  it('checks Upload-Checksum: a mismatch answers 460, discards the bytes and keeps the offset', async () => {
    const bytes = randomBytes(2048);
    const created = await fetch(endpoint(), { method: 'POST', headers: { ...TUS, 'upload-length': '2048' } });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location') ?? '', server.origin).href;
    const patch = (body: Buffer, offset: number, checksum: string) =>
      fetch(url, {
        method: 'PATCH',
        headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), 'upload-checksum': checksum },
        body,
      });
    const wrong = await patch(bytes.subarray(0, 1024), 0, `sha1 ${sha1(bytes.subarray(1024))}`);
    expect(wrong.status).toBe(460);
    expect(await wrong.json()).toMatchObject({ error: 'DIGEST_MISMATCH' });
    expect((await fetch(url, { method: 'HEAD', headers: TUS })).headers.get('upload-offset')).toBe('0');
    expect((await stack.sql('select count(*) as n from frago_chunk where upload_id = ?', [idOf(url)]))[0]?.n).toBe(0);

    const unknown = await patch(bytes.subarray(0, 1024), 0, 'crc32 AAAAAA==');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'UNSUPPORTED_CHECKSUM' });

    const right = await patch(bytes.subarray(0, 1024), 0, `sha1 ${sha1(bytes.subarray(0, 1024))}`);
    expect(right.status).toBe(204);
    expect(right.headers.get('upload-offset')).toBe('1024');
    expect(right.headers.get('upload-expires')).toMatch(/GMT$/);
    const sha256 = createHash('sha256').update(bytes.subarray(1024)).digest('base64');
    expect((await patch(bytes.subarray(1024), 1024, `sha256 ${sha256}`)).status).toBe(204);
    expect((await fragoStatus(idOf(url))).body).toMatchObject({ status: 'complete', checksum: md5(bytes) });
  });

  it('joins four partial uploads sent in parallel (parallelUploads: 4) into one upload, byte-identical, before answering the final', async () => {
    const bytes = randomBytes(6 * MiB + 3);
    const run = await tusUpload(bytes, { endpoint: endpoint(), parallelUploads: 4, metadata: { filename: 'joined.bin' } });
    expect(run.outcome).toBe('success');
    const posts = run.requests.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(5);
    const id = idOf(run.url);
    const { body } = await fragoStatus(id);
    expect(body).toMatchObject({ status: 'complete', filename: 'joined.bin', total_size: bytes.length, checksum: md5(bytes) });
    const [row] = await stack.sql('select location from frago_upload where id = ?', [id]);
    expect(Buffer.from(await stack.readAssembled(String(row?.location))).equals(bytes)).toBe(true);
    const head = await fetch(run.url, { method: 'HEAD', headers: TUS });
    expect(head.headers.get('upload-offset')).toBe(String(bytes.length));
    expect(head.headers.get('upload-concat')).toMatch(/^final;(\S+ ){3}\S+$/);
    const parts = run.requests.filter((request) => request.method === 'PATCH').map((request) => idOf(request.url));
    expect(new Set(parts).size).toBe(4);
    for (const part of parts) expect((await fragoStatus(part)).status).toBe(410);
  });

  it('resumes a parallel upload after abort() from its urlStorage: the parts continue past 0, then the final joins them', async () => {
    const bytes = randomBytes(8 * MiB);
    const resumable = { urlStorage: memoryUrlStorage(), fingerprint: async () => 'parallel-resume', parallelUploads: 2, chunkSize: MiB };
    const first = await tusUpload(bytes, { ...resumable, endpoint: endpoint(), stopWhen: (sent) => sent > 3.5 * MiB });
    expect(first.outcome).toBe('aborted');
    expect(first.requests.some((request) => request.method === 'POST' && request.url === endpoint())).toBe(true);
    // The server may still be receiving a PATCH the abort cut (409 RANGE_IN_FLIGHT until it
    // sees the connection close): tus-js-client retries 409, as it does by default.
    const resumed = await tusUpload(bytes, { ...resumable, endpoint: endpoint(), resume: true, retryDelays: [100, 300, 1000] });
    expect(resumed.outcome).toBe('success');
    const patches = resumed.requests.filter((request) => request.method === 'PATCH');
    expect(resumed.requests.slice(0, 2).map((request) => request.method)).toEqual(['HEAD', 'HEAD']);
    expect(patches.some((request) => Number(request.offset) > 0)).toBe(true);
    expect(patches.length).toBeLessThan(8);
    expect(resumed.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    const { body } = await fragoStatus(idOf(resumed.url));
    expect(body).toMatchObject({ status: 'complete', checksum: md5(bytes) });
  });

  it('retries and resumes through a proxy that cuts a PATCH mid-way', async () => {
    const proxy = await startFaultProxy(server.origin);
    try {
      let cut = false;
      proxy.decide((request) => {
        if (request.method !== 'PATCH' || cut || request.headers['upload-offset'] !== String(MiB)) return 'pass';
        cut = true;
        return 'drop';
      });
      const bytes = randomBytes(3 * MiB);
      const run = await tusUpload(bytes, { endpoint: `${proxy.origin}/files/`, chunkSize: MiB, retryDelays: [0, 50, 100] });
      expect(run.outcome).toBe('success');
      const patches = proxy.log.filter((entry) => entry.method === 'PATCH').map((entry) => [entry.headers['upload-offset'], entry.action]);
      // The cut chunk's range may still be held (409 RANGE_IN_FLIGHT) until the server sees the
      // connection close, so the client can retry that offset more than once; never another one.
      expect(patches.slice(0, 2)).toEqual([
        ['0', 'pass'],
        [String(MiB), 'drop'],
      ]);
      const retries = patches.slice(2, -1);
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(retries.every(([offset, action]) => offset === String(MiB) && action === 'pass')).toBe(true);
      expect(patches.at(-1)).toEqual([String(2 * MiB), 'pass']);
      expect(proxy.log.some((entry) => entry.method === 'HEAD')).toBe(true);
      expect((await fragoStatus(idOf(run.url))).body).toMatchObject({ status: 'complete', checksum: md5(bytes) });
    } finally {
      await proxy.close();
    }
  });

  it("answers 404 to another identity on every route, a final naming another's part included", async () => {
    const alice = { [TEST_USER_HEADER]: 'alice' };
    const bob = { ...TUS, [TEST_USER_HEADER]: 'bob' };
    const bytes = randomBytes(2 * MiB);
    const run = await tusUpload(bytes, { endpoint: endpoint(), chunkSize: MiB, headers: alice, stopWhen: (sent) => sent >= MiB });
    const part = await fetch(endpoint(), {
      method: 'POST',
      headers: { ...TUS, ...alice, 'upload-concat': 'partial', 'upload-length': '3', 'content-type': 'application/offset+octet-stream' },
      body: Buffer.from('abc'),
    });
    const before = await rowCount();
    expect((await fetch(run.url, { method: 'HEAD', headers: bob })).status).toBe(404);
    const patch = await fetch(run.url, { method: 'PATCH', headers: { ...bob, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, body: bytes });
    expect(patch.status).toBe(404);
    expect((await fetch(run.url, { method: 'DELETE', headers: bob })).status).toBe(404);
    const final = await fetch(endpoint(), { method: 'POST', headers: { ...bob, 'upload-concat': `final;${part.headers.get('location')}` } });
    expect(final.status).toBe(404);
    expect(await rowCount()).toBe(before);
    expect((await fetch(run.url, { method: 'HEAD', headers: { ...TUS, ...alice } })).status).toBe(200);
  });

  it('answers OPTIONS with what it speaks, and with CORS exposes the headers a browser client reads', async () => {
    const options = await fetch(endpoint(), { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(Object.fromEntries(['tus-resumable', 'tus-version', 'tus-max-size', 'tus-checksum-algorithm'].map((name) => [name, options.headers.get(name)]))).toEqual({
      'tus-resumable': '1.0.0',
      'tus-version': '1.0.0',
      'tus-max-size': String(64 * MiB),
      'tus-checksum-algorithm': 'sha1,md5,sha256',
    });
    expect(options.headers.get('tus-extension')?.split(',')).toEqual(
      expect.arrayContaining(['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'checksum', 'expiration', 'concatenation']),
    );
    const preflight = await fetch(endpoint(), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'tus-resumable, upload-offset' },
    });
    expect(preflight.status).toBe(204);
    const allowed = preflight.headers.get('access-control-allow-headers') ?? '';
    for (const name of ['tus-resumable', 'upload-length', 'upload-offset', 'upload-metadata', 'upload-checksum', 'upload-concat', 'x-http-method-override', 'x-request-id', 'content-type']) {
      expect(allowed).toContain(name);
    }
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    const created = await fetch(endpoint(), {
      method: 'POST',
      headers: { ...TUS, origin: 'https://app.example', [TEST_USER_HEADER]: 'browser', 'upload-length': '5' },
    });
    expect(created.status).toBe(201);
    const exposed = created.headers.get('access-control-expose-headers') ?? '';
    for (const name of ['location', 'tus-resumable', 'upload-offset', 'upload-length', 'upload-metadata', 'upload-expires', 'x-request-id']) {
      expect(exposed).toContain(name);
    }
  });
});

describeTusConformance('Express, SQLite and disk', async () => {
  const stack = await openStack('sqlite');
  const frago = createFrago({ repository: stack.repository, storage: stack.storage, tus: true, limits: { maxUploadSize: 64 * MiB } });
  const server = await serveWithExpress(frago);
  return {
    origin: server.origin,
    tusPath: '/files',
    close: async () => {
      await server.close();
      await stack.close();
    },
  };
});

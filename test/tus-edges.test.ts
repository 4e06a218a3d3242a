import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { H3 } from 'h3';
import { toNodeHandler } from 'h3/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, fragoFetch, MemoryRepository, MemoryStorage, type Frago } from '@frago/core';
import { describeTusConformance, fetchServer, listen, testIdentity, testRequestIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { fragoFastify } from '@frago/fastify';
import { fragoH3 } from '@frago/h3';
import { startDefaultServer } from './support/default-server.js';
import { serveWithExpress } from './support/express-target.js';
import { tusUpload } from './support/tus-upload.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/** Each edge serving a frago with tus on, the caller read from the test header, and where its tus endpoint ends up. */
const EDGES: Array<[string, (frago: Frago) => Promise<{ origin: string; close: () => Promise<void> }>, string]> = [
  ['Express', serveWithExpress, ''],
  [
    'Fastify, registered under a prefix',
    async (frago) => {
      const app = Fastify({ serverFactory: (handler) => createServer(handler) });
      const identify = (request: { headers: Record<string, string | string[] | undefined> }) => testIdentity(request.headers[TEST_USER_HEADER], request.headers.origin);
      await app.register(fragoFastify, { frago, prefix: '/api', identify });
      await app.ready();
      return listen(app.server);
    },
    '/api',
  ],
  ['h3', async (frago) => listen(createServer(toNodeHandler(new H3().use(fragoH3(frago, { identify: (event) => testRequestIdentity(event.req) }))))), ''],
  ['the Fetch handler', async (frago) => listen(fetchServer(fragoFetch(frago, { identify: testRequestIdentity }))), ''],
];

const tusFrago = () =>
  createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), tus: { basePath: '/uploads/tus' }, limits: { maxUploadSize: 64 * MiB } });

for (const [name, serve, prefix] of EDGES) {
  describeTusConformance(name, async () => {
    const server = await serve(tusFrago());
    return { origin: `${server.origin}${prefix}`, tusPath: '/uploads/tus', close: server.close };
  });
}

describe.each(EDGES)('tus through %s', (_name, serve, prefix) => {
  const path = `${prefix}/uploads/tus/`;
  let frago: Frago;
  let server: { origin: string; close: () => Promise<void> };
  beforeAll(async () => {
    frago = tusFrago();
    server = await serve(frago);
  });
  afterAll(() => server?.close());

  it('takes a parallel tus-js-client upload in chunks, which frago then reports complete with its checksum', async () => {
    const bytes = randomBytes(2 * MiB + 7);
    const run = await tusUpload(bytes, { endpoint: `${server.origin}${path}`, chunkSize: MiB / 2, parallelUploads: 2, metadata: { filename: 'a.bin' } });
    expect(run.outcome).toBe('success');
    expect(run.url.startsWith(`${server.origin}${path}`)).toBe(true);
    const id = run.url.split('/').pop() ?? '';
    const state = await frago.service.status({ kind: 'anonymous' }, id);
    expect(state.upload).toMatchObject({ status: 'complete', checksum: md5(bytes), filename: 'a.bin' });
    const head = await fetch(run.url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(bytes.length));
  });
});

describe('the default server, built and run as a user runs it', () => {
  it('serves tus at /files/: a parallel tus-js-client upload lands byte-identical in assembled/', async () => {
    const server = await startDefaultServer();
    try {
      const { bytes } = await server.sourceFile('clip.bin', 3 * MiB + 5);
      const run = await tusUpload(bytes, { endpoint: `${server.origin}/files/`, parallelUploads: 2, metadata: { filename: 'clip.bin' } });
      const id = run.url.split('/').pop() ?? '';
      expect((await server.assembled(id, 'clip.bin')).equals(bytes)).toBe(true);
      const status = (await (await fetch(`${server.origin}/upload/${id}/`)).json()) as Record<string, unknown>;
      expect(status).toMatchObject({ status: 'complete', checksum: md5(bytes) });
    } finally {
      await server.close();
    }
  });
});

import { createServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, createFrago, MemoryRepository, MemoryStorage } from '@frago/core';
import { listen, memoryFiles } from '@frago/conformance';
import { FragoModule } from '@frago/nestjs';

/** A frago in memory, and the bytes of the files it assembled. */
function memoryFrago(basePath?: string) {
  const storage = new MemoryStorage();
  const frago = createFrago({ repository: new MemoryRepository(), storage, ...(basePath ? { basePath } : {}) });
  const locations: string[] = [];
  frago.events.on('upload:completed', ({ location }) => locations.push(location));
  const assembled = () => Promise.all(locations.map((location) => memoryFiles(storage).readAssembled(location)));
  return { frago, assembled };
}

async function serveNest(module: Parameters<typeof NestFactory.create>[0], prefix?: string) {
  // Nest's defaults: its JSON and urlencoded body parsers run before every middleware.
  const app = await NestFactory.create(module, new ExpressAdapter(), { logger: false });
  if (prefix) app.setGlobalPrefix(prefix);
  await app.init();
  const server = await listen(createServer(app.getHttpAdapter().getInstance()));
  return { origin: server.origin, close: async () => (await server.close(), await app.close()) };
}

/** Starts a 6-byte upload with JSON, sends one raw and one multipart chunk, finalizes it. */
async function uploadSixBytes(origin: string, base = '/upload'): Promise<number[]> {
  const post = (path: string, body: unknown) =>
    fetch(`${origin}${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const created = await post('/', { filename: 'a.bin', total_size: 6 });
  const id = ((await created.json()) as { upload_id: string }).upload_id;
  const raw = await fetch(`${origin}${base}/${id}/`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-2/6' },
    body: new Uint8Array([1, 2, 3]),
  });
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array([4, 5, 6])]), 'part');
  const multipart = await fetch(`${origin}${base}/${id}/`, { method: 'PUT', headers: { 'content-range': 'bytes 3-5/6' }, body: form });
  const finalized = await post(`/${id}/`, {});
  return [created.status, raw.status, multipart.status, finalized.status];
}

describe('FragoModule with Nest’s default body parsers', () => {
  it('takes JSON starts, raw and multipart chunks, and stores the bytes as sent', async () => {
    const { frago, assembled } = memoryFrago();
    const server = await serveNest(FragoModule.forRoot({ frago, identify: () => ANONYMOUS }));
    try {
      expect(await uploadSixBytes(server.origin)).toEqual([201, 200, 200, 201]);
      expect((await assembled()).map((bytes) => [...bytes])).toEqual([[1, 2, 3, 4, 5, 6]]);
      const other = await fetch(`${server.origin}/elsewhere`);
      expect(other.status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('builds its options with Nest’s injector in forRootAsync', async () => {
    const { frago, assembled } = memoryFrago();
    const FRAGO = Symbol('frago');
    const server = await serveNest(
      FragoModule.forRootAsync({
        imports: [{ module: class FragoSource {}, providers: [{ provide: FRAGO, useValue: frago }], exports: [FRAGO] }],
        inject: [FRAGO],
        useFactory: (injected: typeof frago) => ({ frago: injected, identify: () => ANONYMOUS }),
      }),
    );
    try {
      expect(await uploadSixBytes(server.origin)).toEqual([201, 200, 200, 201]);
      expect((await assembled()).map((bytes) => [...bytes])).toEqual([[1, 2, 3, 4, 5, 6]]);
    } finally {
      await server.close();
    }
  });

  it('serves under a global prefix when the frago’s base path includes it', async () => {
    const { frago, assembled } = memoryFrago('/api/upload');
    const server = await serveNest(FragoModule.forRoot({ frago, identify: () => ANONYMOUS }), 'api');
    try {
      expect(await uploadSixBytes(server.origin, '/api/upload')).toEqual([201, 200, 200, 201]);
      expect((await assembled()).map((bytes) => [...bytes])).toEqual([[1, 2, 3, 4, 5, 6]]);
    } finally {
      await server.close();
    }
  });
});

import { createServer } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, createFrago, MemoryRepository, MemoryStorage } from '@frago/core';
import { listen } from '@frago/conformance';
import { fragoExpress } from '@frago/express';

// A body parser answers malformed JSON itself, before frago sees it; valid JSON it
// parsed must work, and JSON it accepted but frago refuses must still get frago's answer.
describe('Express with a JSON body parser in front', () => {
  it('serves start, chunk and finalize, and refuses JSON nested too deeply with 400', async () => {
    const frago = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage() });
    const app = express();
    app.use(express.json());
    app.use(fragoExpress(frago, { identify: () => ANONYMOUS }));
    const server = await listen(createServer(app));
    try {
      const post = (path: string, body: string) =>
        fetch(`${server.origin}/upload${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const created = await post('/', JSON.stringify({ filename: 'a.txt', total_size: 3 }));
      expect(created.status).toBe(201);
      const id = ((await created.json()) as { upload_id: string }).upload_id;
      const chunk = await fetch(`${server.origin}/upload/${id}/`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-2/3' },
        body: new Uint8Array([1, 2, 3]),
      });
      expect(chunk.status).toBe(200);
      expect((await post(`/${id}/`, '{}')).status).toBe(201);
      const deep = await post('/', `{"filename":"a","total_size":1,"metadata":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`);
      expect(deep.status).toBe(400);
      expect(await deep.json()).toMatchObject({ status: false, error: 'INVALID_REQUEST' });
    } finally {
      await server.close();
    }
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, type Frago } from '@frago/core';
import { openStack, type Stack } from './support/stack.js';
import { serveWithExpress } from './support/express-target.js';
import { tusUpload } from './support/tus-upload.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const TUS = { 'tus-resumable': '1.0.0' };

for (const driver of ['sqlite', 'postgresql'] as const) {
  describe(`whole-file checksums where they are computed, on Express + ${driver} + disk over a socket`, () => {
    let stack: Stack;
    let frago: Frago;
    let server: { origin: string; close: () => Promise<void> };

    beforeAll(async () => {
      stack = await openStack(driver);
      frago = createFrago({ repository: stack.repository, storage: stack.storage, tus: true, limits: { maxUploadSize: 64 * MiB } });
      server = await serveWithExpress(frago);
    });
    afterAll(async () => {
      await server?.close();
      await stack?.close();
    });

    const uploadRow = async (id: string) => (await stack.sql('select status, checksum, hash_offset, location from frago_upload where id = ?', [id]))[0];
    const chunkRows = async (id: string) =>
      (await stack.sql('select start_byte, end_byte, state from frago_chunk where upload_id = ? order by start_byte', [id])).map((row) => ({
        start: Number(row.start_byte),
        end: Number(row.end_byte),
        state: row.state,
      }));

    it('completes a one-request upload with one stored chunk and the md5 of its bytes, hashed as they streamed', async () => {
      const bytes = randomBytes(64 * 1024 + 3);
      const response = await fetch(`${server.origin}/upload/`, {
        method: 'POST',
        headers: { 'upload-complete': '?1', 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      expect(response.status).toBe(201);
      const { upload_id: id } = (await response.json()) as { upload_id: string };

      const row = await uploadRow(id);
      expect(row).toMatchObject({ status: 'complete', checksum: md5(bytes) });
      expect(Number(row?.hash_offset)).toBe(bytes.length);
      expect(await chunkRows(id)).toEqual([{ start: 0, end: bytes.length - 1, state: 'stored' }]);
      expect(Buffer.from(await stack.readAssembled(String(row?.location))).equals(bytes)).toBe(true);
    });

    it('completes a tus creation that carries the whole file in that request, with one stored chunk and its md5', async () => {
      const bytes = randomBytes(40_000);
      const created = await fetch(`${server.origin}/files/`, {
        method: 'POST',
        headers: { ...TUS, 'upload-length': String(bytes.length), 'content-type': 'application/offset+octet-stream' },
        body: bytes,
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('upload-offset')).toBe(String(bytes.length));
      const id = String(created.headers.get('location')).split('/').pop() ?? '';

      expect(await uploadRow(id)).toMatchObject({ status: 'complete', checksum: md5(bytes) });
      expect(await chunkRows(id)).toEqual([{ start: 0, end: bytes.length - 1, state: 'stored' }]);
    });

    it('leaves the checksum of a tus part alone while its bytes arrive', async () => {
      const bytes = randomBytes(MiB + 5);
      const created = await fetch(`${server.origin}/files/`, {
        method: 'POST',
        headers: { ...TUS, 'upload-concat': 'partial', 'upload-length': String(bytes.length) },
      });
      expect(created.status).toBe(201);
      const url = new URL(String(created.headers.get('location')), server.origin);
      const half = MiB / 2;
      for (const [start, end] of [
        [0, half],
        [half, bytes.length],
      ] as const) {
        const patch = await fetch(url, {
          method: 'PATCH',
          headers: { ...TUS, 'upload-offset': String(start), 'content-type': 'application/offset+octet-stream' },
          body: bytes.subarray(start, end),
        });
        expect(patch.status).toBe(204);
      }

      const id = url.pathname.split('/').pop() ?? '';
      expect(await uploadRow(id)).toMatchObject({ status: 'in_progress', checksum: null });
      expect(Number((await uploadRow(id))?.hash_offset)).toBe(0);
      expect(await chunkRows(id)).toEqual([
        { start: 0, end: half - 1, state: 'stored' },
        { start: half, end: bytes.length - 1, state: 'stored' },
      ]);
    });

    it('resumes a joined upload\'s md5 from its first part\'s saved progress when that part was hashed whole', async () => {
      const identity = { kind: 'anonymous' } as const;
      const parts = [randomBytes(300_000), randomBytes(200_001)];
      const ids: string[] = [];
      for (const bytes of parts) {
        const upload = await frago.service.create(identity, { filename: 'part.bin', totalSize: bytes.length });
        const body = (async function* () {
          yield bytes;
        })();
        await frago.service.writeChunk(identity, upload.id, { range: { start: 0, end: bytes.length - 1, total: bytes.length }, body });
        ids.push(upload.id);
      }
      expect(Number((await uploadRow(ids[0] ?? ''))?.hash_offset)).toBe(parts[0]?.length);

      const { upload } = await frago.service.concatenate(identity, { filename: 'joined.bin', parts: ids });

      const whole = Buffer.concat(parts);
      expect(await uploadRow(upload.id)).toMatchObject({ status: 'complete', checksum: md5(whole) });
      expect(Buffer.from(await stack.readAssembled(String((await uploadRow(upload.id))?.location))).equals(whole)).toBe(true);
    });

    it("records the md5 of a final's joined bytes, computed while its parts were put together", async () => {
      const bytes = randomBytes(3 * MiB + 11);
      const run = await tusUpload(bytes, { endpoint: `${server.origin}/files/`, chunkSize: MiB / 2, parallelUploads: 3, metadata: { filename: 'joined.bin' } });
      expect(run.outcome).toBe('success');
      const id = run.url.split('/').pop() ?? '';

      const row = await uploadRow(id);
      expect(row).toMatchObject({ status: 'complete', checksum: md5(bytes) });
      expect(Number(row?.hash_offset)).toBe(bytes.length);
      expect(Buffer.from(await stack.readAssembled(String(row?.location))).equals(bytes)).toBe(true);
      const text = (metadata: unknown) => (typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
      const parts = (await stack.sql('select hash_offset, metadata from frago_upload')).filter((part) => text(part.metadata).includes('"partial"'));
      expect(parts.length).toBeGreaterThanOrEqual(3);
      expect(parts.map((part) => Number(part.hash_offset))).toEqual(parts.map(() => 0));
    });
  });
}

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, MemoryRepository, type Frago } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { serveWithExpress } from './support/express-target.js';
import { tusPart } from './support/tus-upload.js';

// A tus final holds its parts while it joins them, then aborts them: each part's bytes
// are deleted once, by that abort, not once while held and again after.

const TUS = { 'tus-resumable': '1.0.0' };
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('a tus final on Express + disk, and what becomes of its parts', () => {
  let directory: string;
  let storage: DiskStorage;
  let frago: Frago;
  let server: { origin: string; close: () => Promise<void> };
  /** How many times the storage was asked to delete each key. */
  const deletes = new Map<string, number>();
  const aborted: string[] = [];
  const endpoint = () => `${server.origin}/files/`;
  const idOf = (url: string) => url.split('/').pop() ?? '';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'frago-join-parts-'));
    storage = new DiskStorage({ directory });
    const remove = storage.delete.bind(storage);
    storage.delete = async (key: string) => {
      deletes.set(key, (deletes.get(key) ?? 0) + 1);
      await remove(key);
    };
    frago = createFrago({ repository: new MemoryRepository(), storage, tus: true });
    frago.events.on('upload:aborted', ({ upload }) => aborted.push(upload.id));
    server = await serveWithExpress(frago);
  });
  afterAll(async () => {
    await server?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('deletes each part once, answers 410 on the parts and leaves none of their files on disk', async () => {
    const pieces = [randomBytes(300_001), Buffer.alloc(0), randomBytes(200_003), randomBytes(5)];
    const urls: string[] = [];
    for (const bytes of pieces) urls.push(await tusPart(endpoint(), bytes));
    const ids = urls.map(idOf);
    const before = await readdir(storage.options.incomingDir);
    for (const id of ids) expect(before).toContain(`${id}.part`);

    const final = await fetch(endpoint(), { method: 'POST', headers: { ...TUS, 'upload-concat': `final;${urls.join(' ')}` } });
    expect(final.status).toBe(201);
    const joinedId = idOf(final.headers.get('location') ?? '');
    const bytes = Buffer.concat(pieces);
    const status = await fetch(`${server.origin}/upload/${joinedId}/`);
    expect(await status.json()).toMatchObject({ status: 'complete', total_size: bytes.length, checksum: md5(bytes) });
    const { upload } = await frago.service.status({ kind: 'anonymous' }, joinedId);
    expect((await readFile(String(upload.location))).equals(bytes)).toBe(true);

    expect(ids.map((id) => deletes.get(id) ?? 0)).toEqual(ids.map(() => 1));
    expect(aborted.sort()).toEqual([...ids].sort());
    for (const url of urls) {
      expect((await fetch(url, { method: 'HEAD', headers: TUS })).status).toBe(410);
      const view = await fetch(`${server.origin}/upload/${idOf(url)}/`);
      expect(view.status).toBe(410);
      expect(await view.json()).toMatchObject({ error: 'UPLOAD_ABORTED' });
    }
    const after = await readdir(storage.options.incomingDir);
    expect(after.filter((name) => ids.some((id) => name.startsWith(id)))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ANONYMOUS, createFrago, createHttpHandler, createTusHandler, MemoryRepository, MemoryStorage, serveAll, type FragoRequest } from '@frago/core';

const frago = () => createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), tus: true });
const request = (method: string, path: string, headers: Record<string, string> = {}): FragoRequest => ({ method, path, headers, body: null, identity: ANONYMOUS });

describe('tus beside the frago API on one handle', () => {
  it('routes each base path to its protocol and anything else to the frago API 404', async () => {
    const { handle } = frago();
    expect(handle.mounts).toEqual(['/upload', '/files']);
    expect(handle.basePath).toBe('/upload');
    expect([handle.owns('/files/abc'), handle.owns('/upload/'), handle.owns('/other')]).toEqual([true, true, false]);
    const options = await handle(request('OPTIONS', '/files/'));
    expect(options.status).toBe(204);
    expect(options.headers['tus-version']).toBe('1.0.0');
    expect((await handle(request('GET', '/upload/'))).status).toBe(200);
    const other = await handle(request('GET', '/other'));
    expect([other.status, (other.body as { error: string }).error]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });

  it('is off unless asked for', () => {
    const plain = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage() });
    expect(plain.handle.mounts).toEqual(['/upload']);
    expect(plain.handle.owns('/files/')).toBe(false);
  });

  it('refuses base paths that lie one under the other', () => {
    const { service } = frago();
    expect(() => serveAll(createHttpHandler(service), createTusHandler(service, { basePath: '/upload/tus' }))).toThrow(/overlap/);
  });

  it('answers HEAD without a body, errors included, and with Tus-Resumable', async () => {
    const { handle } = frago();
    const missing = await handle(request('HEAD', '/files/nope', { 'tus-resumable': '1.0.0' }));
    expect([missing.status, missing.body, missing.headers['tus-resumable']]).toEqual([404, undefined, '1.0.0']);
  });
});

describe('tus creation-defer-length', () => {
  const bytes = (size: number) => (async function* () {
    yield new Uint8Array(size).fill(1);
  })();
  const patch = (path: string, offset: number, size: number, headers: Record<string, string> = {}): FragoRequest => ({
    ...request('PATCH', path, { 'tus-resumable': '1.0.0', 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), 'content-length': String(size), ...headers }),
    body: bytes(size),
  });

  it('holds an upload of unknown length to the largest upload as its bytes arrive, then to the length declared', async () => {
    const { handle } = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), tus: true, limits: { maxUploadSize: 100 } });
    const options = await handle(request('OPTIONS', '/files/'));
    expect(options.headers['tus-extension']?.split(',')).toContain('creation-defer-length');
    const created = await handle(request('POST', '/files/', { 'tus-resumable': '1.0.0', 'upload-defer-length': '1' }));
    expect(created.status).toBe(201);
    const path = created.headers.location ?? '';

    expect((await handle(patch(path, 0, 60))).status).toBe(204);
    const over = await handle(patch(path, 60, 41));
    expect([over.status, (over.body as { error: string }).error]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    const head = await handle(request('HEAD', path, { 'tus-resumable': '1.0.0' }));
    expect([head.headers['upload-offset'], head.headers['upload-defer-length']]).toEqual(['60', '1']);

    const last = await handle(patch(path, 60, 40, { 'upload-length': '100' }));
    expect([last.status, last.headers['upload-offset']]).toEqual([204, '100']);
  });

  it('is refused on a storage that needs the size up front, creating nothing', async () => {
    const storage = new MemoryStorage();
    Object.assign(storage, { capabilities: {} });
    const repository = new MemoryRepository();
    const { handle } = createFrago({ repository, storage, tus: true });
    const refused = await handle(request('POST', '/files/', { 'tus-resumable': '1.0.0', 'upload-defer-length': '1' }));
    expect([refused.status, (refused.body as { error: string }).error]).toEqual([400, 'INVALID_SIZE']);
    expect(await repository.findExpired(new Date(8.64e15), 10)).toEqual([]);
  });
});

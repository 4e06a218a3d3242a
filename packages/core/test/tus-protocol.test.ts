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

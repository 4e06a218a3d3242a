import { describe, expect, it } from 'vitest';
import { createFrago, identityOf, MemoryRepository, MemoryStorage, type AnsweredRequest, type FragoRequest } from '@frago/core';

// Where GET /s3/params tells Uppy to post a small file: an absolute URL, as Uppy needs.

const ada = identityOf('user', 'ada');

async function formUrl(companion: true | { publicOrigin: string }, headers: Record<string, string>): Promise<{ status: number; url?: string; error?: string }> {
  const frago = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), companion });
  const request: FragoRequest = { method: 'GET', path: '/s3/params?filename=a.txt', headers, body: null, identify: async () => ada };
  const response = await frago.handle(request);
  const body = response.body as { url?: string; error?: string };
  return { status: response.status, ...(body.url === undefined ? {} : { url: body.url }), ...(body.error === undefined ? {} : { error: body.error }) };
}

describe('the form URL of GET /s3/params', () => {
  it('is below publicOrigin when it is set, whatever the request says', async () => {
    expect(await formUrl({ publicOrigin: 'https://example.com/api/' }, { host: 'internal:8080' })).toEqual({
      status: 200,
      url: 'https://example.com/api/s3/form?filename=a.txt',
    });
  });

  it('is on the request\'s Host otherwise, https when X-Forwarded-Proto says so', async () => {
    expect(await formUrl(true, { host: 'uploads.example:8443', 'x-forwarded-proto': 'https, http' })).toEqual({
      status: 200,
      url: 'https://uploads.example:8443/s3/form?filename=a.txt',
    });
    expect(await formUrl(true, { host: '[::1]:3000' })).toEqual({ status: 200, url: 'http://[::1]:3000/s3/form?filename=a.txt' });
  });

  it('is refused without a Host it can use, and frago never echoes one', async () => {
    for (const host of [undefined, '', 'evil.example/path', 'a b', 'host:port']) {
      expect(await formUrl(true, host === undefined ? {} : { host }), String(host)).toEqual({ status: 400, error: 'INVALID_REQUEST' });
    }
  });
});

describe('the form POST /s3/form', () => {
  it('ends a body that stalls before its file begins with 408, and starts nothing', async () => {
    const repository = new MemoryRepository();
    const frago = createFrago({ repository, storage: new MemoryStorage(), companion: true, bodyIdleTimeoutMs: 100 });
    async function* stalled(): AsyncIterable<Uint8Array> {
      yield new TextEncoder().encode('--b\r\nContent-Disposition: form-data; name="key"\r\n\r\na.txt\r\n');
      await new Promise(() => undefined);
    }
    const response = await frago.handle({
      method: 'POST',
      path: '/s3/form?filename=a.txt',
      headers: { host: 'uploads.example', 'content-type': 'multipart/form-data; boundary=b', 'content-length': '1000' },
      body: stalled(),
      identify: async () => ada,
    });
    expect([response.status, (response.body as { error: string }).error]).toEqual([408, 'BODY_TIMEOUT']);
    expect(await repository.list('user:ada', { limit: 10 })).toEqual([]);
  });
});

describe('a stored form, as logs and metrics see it', () => {
  it('is a create of the upload it made, named by the answer\'s Frago-Upload-Id', async () => {
    const answered: AnsweredRequest[] = [];
    const repository = new MemoryRepository();
    const frago = createFrago({ repository, storage: new MemoryStorage(), companion: true, instrumentation: { answered: (request) => answered.push(request) } });
    const body = new TextEncoder().encode('--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--b--\r\n');
    const response = await frago.handle({
      method: 'POST',
      path: '/s3/form?filename=a.txt',
      headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-length': String(body.length) },
      body: (async function* () {
        yield body;
      })(),
      identify: async () => ada,
    });
    const [upload] = await repository.list('user:ada', { limit: 10 });
    expect([response.status, upload?.status, upload?.totalSize, response.headers['frago-upload-id']]).toEqual([204, 'complete', 5, upload?.id]);
    expect(answered.map(({ protocol, route, operation, uploadId }) => ({ protocol, route, operation, uploadId }))).toEqual([
      { protocol: 'companion', route: '/s3/form', operation: 'create', uploadId: upload?.id },
    ]);
  });
});

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, ERROR_STATUS, identityOf, MemoryRepository, MemoryStorage, type Frago, type FragoRequest, type FragoResponse } from '@frago/core';
import { createTestBucket, fragoOpenApi, openApiChecker, type ObservedResponse, type TestBucket } from '@frago/conformance';
import { S3Storage } from '@frago/storage-s3';

const document = fragoOpenApi();
const checker = openApiChecker(document);
const frago = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), cors: { origin: ['https://app.example'] }, tus: true, companion: true });
const ada = identityOf('user', 'ada');
const MiB = 1024 * 1024;

type Init = { body?: string | Uint8Array; headers?: Record<string, string> };

/** Asks a real frago handler, and gives its answer as a client receives it. */
async function askOf(server: Frago, method: string, path: string, init: Init = {}): Promise<ObservedResponse> {
  const body = init.body === undefined ? null : [typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body];
  const request: FragoRequest = { method, path, headers: init.headers ?? {}, body: body && (async function* () { yield* body; })(), identify: async () => ada };
  return observed(method, path, await server.handle(request));
}

const ask = (method: string, path: string, init: Init = {}) => askOf(frago, method, path, init);

// Direct uploads and the Companion-style endpoints need a storage that takes parts straight from the client: S3.
let bucket: TestBucket;
let direct: Frago;
const askDirect = (method: string, path: string, init: Init = {}) => askOf(direct, method, path, init);

beforeAll(async () => {
  bucket = await createTestBucket();
  direct = createFrago({ repository: new MemoryRepository(), storage: new S3Storage({ ...bucket.options, partSize: 5 * MiB }), companion: true });
});

afterAll(() => bucket?.drop());

/** A direct upload of `size` bytes started on the S3-backed frago, and its id. */
async function startDirect(size: number): Promise<{ answer: ObservedResponse; id: string }> {
  const answer = await askDirect('POST', '/upload/', { body: JSON.stringify({ filename: 'd.bin', total_size: size, direct: true }), headers: json });
  return { answer, id: (JSON.parse(answer.text) as { upload_id: string }).upload_id };
}

/** A draft creation of a 4-byte upload with its first 2 bytes, and its id. */
async function draftCreated(): Promise<{ answer: ObservedResponse; id: string }> {
  const answer = await ask('POST', '/upload/', {
    body: new Uint8Array([1, 2]),
    headers: { 'upload-complete': '?0', 'upload-length': '4', 'content-length': '2', 'content-type': 'application/partial-upload', 'upload-draft-interop-version': '8' },
  });
  return { answer, id: answer.header('location')?.split('/').at(-2) ?? '' };
}

function observed(method: string, url: string, response: FragoResponse): ObservedResponse {
  return {
    method,
    url,
    status: response.status,
    header: (name) => response.headers[name],
    text: response.body === undefined ? '' : JSON.stringify(response.body),
  };
}

const json = { 'content-type': 'application/json' };

describe('the OpenAPI document of the frago API', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect([result.valid, validator.version]).toEqual([true, '3.1']);
    const folder = dirname(fileURLToPath(import.meta.resolve('@frago/core/openapi.json')));
    const core = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string };
    expect((document.info as { version: string }).version, 'the document versions the package that ships it').toBe(core.version);
  });

  it('names every error code of the status table under the status each protocol answers it with', () => {
    const responses = (document.components as { responses: Record<string, { content?: Record<string, { schema: { properties?: { error?: { enum?: string[] } } } }> }> }).responses;
    const statusOf = (protocol: 'frago' | 'tus') => {
      const found = new Map<string, string[]>();
      for (const [name, response] of Object.entries(responses)) {
        if (name.startsWith('Tus') !== (protocol === 'tus')) continue;
        for (const code of response.content?.['application/json']?.schema.properties?.error?.enum ?? []) found.set(code, [...(found.get(code) ?? []), name]);
      }
      return found;
    };
    const operations = (prefix: string) =>
      Object.entries(document.paths)
        .filter(([path]) => path.startsWith(prefix))
        .flatMap(([, item]) => Object.values(item).flatMap((operation) => Object.entries((operation as { responses?: Record<string, { $ref?: string }> }).responses ?? {})));
    const tusOnly = new Set(['UNSUPPORTED_VERSION']);
    // tus announces no whole-file checksum, so its uploads never fail one.
    const fragoOnly = new Set(['CHECKSUM_MISMATCH']);
    const codes = Object.keys(ERROR_STATUS).filter((code) => code !== 'CLIENT_ABORTED');
    for (const [protocol, prefix] of [['frago', '/upload/'], ['tus', '/files/']] as const) {
      const found = statusOf(protocol);
      for (const code of codes.filter((code) => !(protocol === 'tus' ? fragoOnly : tusOnly).has(code))) {
        expect(found.get(code), `${protocol} ${code}`).toHaveLength(1);
        const status = code === 'DIGEST_MISMATCH' && protocol === 'tus' ? 460 : ERROR_STATUS[code as keyof typeof ERROR_STATUS];
        const named = operations(prefix).filter(([, response]) => response.$ref === `#/components/responses/${found.get(code)?.[0]}`);
        expect(named.length, `${protocol} ${code}: used by some route`).toBeGreaterThan(0);
        expect(new Set(named.map(([key]) => key)), `${protocol} ${code}`).toEqual(new Set([String(status)]));
      }
    }
  });

  it('describes what a real frago answers on every route', async () => {
    const started = await ask('POST', '/upload/', { body: JSON.stringify({ filename: 'a.bin', total_size: 4 }), headers: json });
    const id = (JSON.parse(started.text) as { upload_id: string }).upload_id;
    const answers = [
      started,
      await ask('PUT', `/upload/${id}/`, { body: new Uint8Array([1, 2, 3, 4]), headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-3/4' } }),
      await ask('GET', `/upload/${id}`),
      await ask('GET', '/upload/?limit=1'),
      await ask('POST', `/upload/${id}/`, { body: '{}', headers: json }),
      await ask('POST', `/upload/${id}/`, { body: '{}', headers: json }),
      await ask('DELETE', `/upload/${id}/`),
      await ask('PUT', '/upload/nope/', { body: new Uint8Array(1), headers: { 'content-range': 'bytes 0-0/1' } }),
      await ask('PATCH', '/upload/'),
      await ask('GET', '/upload/a/b/c'),
      await ask('OPTIONS', `/upload/${id}/`, { headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' } }),
      await ask('OPTIONS', '/upload/', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([201, 200, 200, 200, 201, 200, 409, 404, 405, 404, 200, 403]);
    for (const answer of answers) expect(() => checker.check(answer), `${answer.method} ${answer.url}`).not.toThrow();
  });

  it('describes what a real frago answers on every tus route', async () => {
    const tus = { 'tus-resumable': '1.0.0' };
    const created = await ask('POST', '/files/', { headers: { ...tus, 'upload-length': '4' } });
    const id = created.header('location')?.split('/').pop() ?? '';
    const octets = { ...tus, 'content-type': 'application/offset+octet-stream', 'content-length': '2' };
    const answers = [
      created,
      await ask('OPTIONS', '/files/'),
      await ask('PATCH', `/files/${id}`, { body: new Uint8Array(2), headers: { ...octets, 'upload-offset': '0' } }),
      await ask('HEAD', `/files/${id}`, { headers: tus }),
      await ask('PATCH', `/files/${id}`, { body: new Uint8Array(2), headers: { ...octets, 'upload-offset': '0' } }),
      await ask('PATCH', `/files/${id}`, { body: new Uint8Array(2), headers: { ...octets, 'upload-offset': '2', 'upload-checksum': 'sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } }),
      await ask('POST', '/files/', { headers: { 'upload-length': '4' } }),
      await ask('GET', `/files/${id}`, { headers: tus }),
      await ask('DELETE', `/files/${id}`, { headers: tus }),
      await ask('HEAD', `/files/${id}`, { headers: tus }),
      await ask('OPTIONS', `/files/${id}`, { headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH' } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([201, 204, 204, 200, 409, 460, 412, 405, 204, 410, 204]);
    for (const answer of answers) expect(() => checker.check(answer), `${answer.method} ${answer.url}`).not.toThrow();
  });

  it('describes what a real frago answers to the resumable-upload draft on its endpoint', async () => {
    const { answer: created, id } = await draftCreated();
    const partial = { 'content-type': 'application/partial-upload', 'content-length': '2' };
    const answers = [
      created,
      await ask('HEAD', `/upload/${id}/`),
      await ask('OPTIONS', '/upload/'),
      await ask('OPTIONS', `/upload/${id}/`, { headers: { 'upload-draft-interop-version': '6' } }),
      await ask('PATCH', `/upload/${id}/`, { body: new Uint8Array(2), headers: { ...partial, 'upload-complete': '?1', 'upload-offset': '0' } }),
      await ask('PATCH', `/upload/${id}/`, { body: new Uint8Array(2), headers: { ...partial, 'content-type': 'text/plain', 'upload-complete': '?1', 'upload-offset': '2' } }),
      await ask('PATCH', `/upload/${id}/`, { body: new Uint8Array(2), headers: { ...partial, 'upload-complete': '?1', 'upload-offset': '2' } }),
      await ask('HEAD', `/upload/${id}/`),
      await ask('PATCH', `/upload/${id}/`, { body: new Uint8Array(2), headers: { ...partial, 'upload-complete': '?1', 'upload-offset': '4' } }),
      await ask('POST', '/upload/', { body: new Uint8Array([7, 8, 9]), headers: { 'upload-complete': '?1', 'content-length': '3', 'content-disposition': 'attachment; filename="c.bin"' } }),
      await ask('POST', '/upload/', { body: new Uint8Array(1), headers: { 'upload-complete': '?0', 'content-length': '1' } }),
      await ask('HEAD', '/upload/unknown-id/'),
      await ask('PATCH', '/upload/'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([201, 204, 204, 204, 409, 415, 201, 204, 409, 201, 400, 404, 405]);
    expect([answers[4]?.header('upload-offset'), answers[7]?.header('upload-complete')]).toEqual(['2', '?1']);
    for (const answer of answers) expect(() => checker.check(answer), `${answer.method} ${answer.url}`).not.toThrow();
  });

  it('describes what a real frago answers on a direct upload: its start, its parts and its status', async () => {
    const { answer: started, id } = await startDirect(6 * MiB);
    const answers = [
      started,
      await askDirect('POST', `/upload/${id}/parts`, { body: JSON.stringify({ parts: [1, { part: 2, md5: '1B2M2Y8AsgTpgAEIVwgXlw==' }] }), headers: json }),
      await askDirect('POST', `/upload/${id}/parts`, { body: JSON.stringify({ parts: [3] }), headers: json }),
      await askDirect('GET', `/upload/${id}/`),
      await askDirect('GET', `/upload/${id}/parts`),
      await ask('POST', '/upload/', { body: JSON.stringify({ filename: 'e.bin', total_size: 4, direct: true }), headers: json }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([201, 200, 400, 200, 405, 201]);
    expect(JSON.parse(started.text)).toMatchObject({ direct: { part_size: 5 * MiB, part_count: 2 } });
    expect(JSON.parse(answers[2]?.text ?? '')).toMatchObject({ error: 'INVALID_REQUEST', part_count: 2 });
    expect(JSON.parse(answers[3]?.text ?? '')).toMatchObject({ direct: { part_size: 5 * MiB, part_count: 2, missing_parts: [1, 2], wrong_size_parts: [] } });
    expect(JSON.parse(answers[5]?.text ?? '')).toMatchObject({ direct: null });
    for (const answer of answers) expect(() => checker.check(answer), `${answer.method} ${answer.url}`).not.toThrow();
  });

  it('describes what the Companion-style endpoints answer', async () => {
    const created = await askDirect('POST', '/s3/multipart', { body: JSON.stringify({ filename: 'u.bin', type: 'text/plain', metadata: { size: 6 * MiB } }), headers: json });
    const id = (JSON.parse(created.text) as { uploadId: string }).uploadId;
    const answers = [
      created,
      await askDirect('GET', `/s3/multipart/${id}/1?key=${id}`),
      await askDirect('GET', `/s3/multipart/${id}?key=${id}`),
      await askDirect('POST', `/s3/multipart/${id}/complete?key=${id}`, { body: JSON.stringify({ parts: [] }), headers: json }),
      await askDirect('GET', `/s3/multipart/${id}/1?key=other`),
      await askDirect('DELETE', `/s3/multipart/${id}?key=${id}`),
      await askDirect('GET', '/s3/params'),
      await askDirect('PUT', '/s3/multipart'),
      await askDirect('GET', '/s3/elsewhere'),
      await ask('POST', '/s3/multipart', { body: JSON.stringify({ filename: 'u.bin', metadata: { size: 1 } }), headers: json }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 409, 404, 200, 400, 405, 404, 400]);
    for (const answer of answers) expect(() => checker.check(answer), `${answer.method} ${answer.url}`).not.toThrow();
  });

  it('describes what the form endpoints for small files answer', async () => {
    const query = 'filename=s.txt&type=text%2Fplain&metadata%5Bsize%5D=3';
    const params = await ask('GET', `/s3/params?${query}`, { headers: { host: 'uploads.example' } });
    const form = (file: string) => ({
      body: `--b\r\nContent-Disposition: form-data; name="key"\r\n\r\ns.txt\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="s.txt"\r\n\r\n${file}\r\n--b--\r\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    const answers = [
      params,
      await ask('GET', '/s3/params?type=text%2Fplain', { headers: { host: 'uploads.example' } }),
      await ask('POST', `/s3/form?${query}`, form('abcd')),
      await ask('POST', `/s3/form?${query}`, { body: 'abc', headers: { 'content-type': 'text/plain' } }),
      await ask('GET', `/s3/form?${query}`),
      await ask('POST', `/s3/form?${query}`, form('abc')),
      await ask('POST', '/s3/form/deeper', form('abc')),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 400, 400, 415, 405, 204, 404]);
    expect(JSON.parse(params.text)).toEqual({ method: 'POST', url: `http://uploads.example/s3/form?${query}`, fields: { key: 's.txt' }, headers: {} });
    for (const answer of answers) expect(() => checker.check(answer), `${answer.method} ${answer.url}`).not.toThrow();
  });

  it('lets answers outside the API pass: they are not frago\'s', () => {
    expect(() => checker.check({ method: 'GET', url: 'http://host/metrics', status: 200, header: () => 'text/plain', text: 'x 1' })).not.toThrow();
  });
});

describe('the OpenAPI check catches a server that drifted from the document', () => {
  const base = () => ask('POST', '/upload/', { body: JSON.stringify({ filename: 'b.bin', total_size: 4 }), headers: json });
  const changed = (answer: ObservedResponse, change: Partial<ObservedResponse>): ObservedResponse => ({ ...answer, ...change });

  it('refuses a status the route does not describe', async () => {
    const answer = await base();
    expect(() => checker.check(changed(answer, { status: 202 }))).toThrow(/^POST \/upload\/: status 202 is not described \(described: 200, 201, 400/);
  });

  it('refuses a body with a field the document does not name, or without one it requires', async () => {
    const answer = await base();
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(() => checker.check(changed(answer, { text: JSON.stringify({ ...body, upload_url: '/x' }) }))).toThrow(
      /^POST \/upload\/ answered 201: the body does not match the document: body must NOT have additional properties/,
    );
    const { chunk_size: _, ...without } = body;
    expect(() => checker.check(changed(answer, { text: JSON.stringify(without) }))).toThrow(/body must have required property 'chunk_size'/);
    expect(() => checker.check(changed(answer, { text: JSON.stringify({ ...body, total: '4' }) }))).toThrow(/additional properties/);
  });

  it('refuses an error code under another status than its own', async () => {
    const missing = await ask('GET', '/upload/unknown-id/');
    expect(missing.status).toBe(404);
    expect(() => checker.check(changed(missing, { status: 410 }))).toThrow(/^GET \/upload\/unknown-id\/ answered 410: the body does not match the document: body\/error must be equal to one of the allowed values/);
  });

  it('refuses a missing required header, a header of the wrong value and an undescribed media type', async () => {
    const answer = await base();
    const header = (override: Record<string, string | undefined>) => (name: string) => (name in override ? override[name] : answer.header(name));
    expect(() => checker.check(changed(answer, { header: header({ location: undefined }) }))).toThrow(/^POST \/upload\/ answered 201: the header Location is missing$/);
    expect(() => checker.check(changed(answer, { header: header({ 'cache-control': 'max-age=60' }) }))).toThrow(/the header Cache-Control is "max-age=60": value must be equal to constant$/);
    expect(() => checker.check(changed(answer, { header: header({ 'content-type': 'text/plain' }) }))).toThrow(/the content type "text\/plain" is not described \(described: application\/json\)/);
    expect(() => checker.check(changed(answer, { text: '' }))).toThrow(/the body is empty/);
  });

  it('refuses a draft answer with a body where it has none, or without its offset', async () => {
    const { answer: created, id } = await draftCreated();
    expect(created.text).toBe('');
    expect(() => checker.check(changed(created, { text: JSON.stringify({ status: true }) }))).toThrow(
      /^POST \/upload\/ answered 201: the answer has a body, the document describes none with Upload-Complete: \?0$/,
    );
    const offset = await ask('HEAD', `/upload/${id}/`);
    expect(() => checker.check(changed(offset, { header: (name) => (name === 'upload-offset' ? undefined : offset.header(name)) }))).toThrow(/answered 204: the header Upload-Offset is missing$/);
    expect(() => checker.check(changed(offset, { header: (name) => (name === 'upload-complete' ? 'true' : offset.header(name)) }))).toThrow(/the header Upload-Complete is "true": value must be equal to one of the allowed values$/);
  });

  it('refuses a parts answer whose URL lacks a field or carries one the document does not name', async () => {
    const { id } = await startDirect(6 * MiB);
    const answer = await askDirect('POST', `/upload/${id}/parts`, { body: JSON.stringify({ parts: [2] }), headers: json });
    const body = JSON.parse(answer.text) as { parts: Record<string, unknown>[] };
    const [{ url: _, ...withoutUrl }] = body.parts as [Record<string, unknown>];
    expect(() => checker.check(changed(answer, { text: JSON.stringify({ ...body, parts: [withoutUrl] }) }))).toThrow(/body\/parts\/0 must have required property 'url'/);
    expect(() => checker.check(changed(answer, { text: JSON.stringify({ ...body, parts: [{ ...body.parts[0], size: 1 }] }) }))).toThrow(/body\/parts\/0 must NOT have additional properties/);
    expect(() => checker.check(changed(answer, { text: JSON.stringify({ ...body, part_count: '2' }) }))).toThrow(/body\/part_count must be integer/);
  });

  it('refuses a method the document does not have on a path', async () => {
    expect(() => checker.check({ method: 'TRACE', url: '/upload/', status: 405, header: () => undefined, text: '' })).toThrow(/^TRACE \/upload\/: the document has no TRACE on \/upload\/$/);
  });
});

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createFrago, ERROR_STATUS, identityOf, MemoryRepository, MemoryStorage, type FragoRequest, type FragoResponse } from '@frago/core';
import { fragoOpenApi, openApiChecker, type ObservedResponse } from '@frago/conformance';

const document = fragoOpenApi();
const checker = openApiChecker(document);
const frago = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage(), cors: { origin: ['https://app.example'] }, tus: true });
const ada = identityOf('user', 'ada');

/** Asks the real frago handler, and gives its answer as a client receives it. */
async function ask(method: string, path: string, init: { body?: string | Uint8Array; headers?: Record<string, string> } = {}): Promise<ObservedResponse> {
  const body = init.body === undefined ? null : [typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body];
  const request: FragoRequest = { method, path, headers: init.headers ?? {}, body: body && (async function* () { yield* body; })(), identify: async () => ada };
  return observed(method, path, await frago.handle(request));
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
    const tusOnly = new Set(['OFFSET_MISMATCH', 'UNSUPPORTED_VERSION']);
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

  it('lets answers outside the API pass: they are not frago\'s', () => {
    expect(() => checker.check({ method: 'GET', url: 'http://host/metrics', status: 200, header: () => 'text/plain', text: 'x 1' })).not.toThrow();
  });
});

describe('the OpenAPI check catches a server that drifted from the document', () => {
  const base = () => ask('POST', '/upload/', { body: JSON.stringify({ filename: 'b.bin', total_size: 4 }), headers: json });
  const changed = (answer: ObservedResponse, change: Partial<ObservedResponse>): ObservedResponse => ({ ...answer, ...change });

  it('refuses a status the route does not describe', async () => {
    const answer = await base();
    expect(() => checker.check(changed(answer, { status: 202 }))).toThrow(/^POST \/upload\/: status 202 is not described \(described: 201, 400/);
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

  it('refuses a method the document does not have on a path', async () => {
    expect(() => checker.check({ method: 'TRACE', url: '/upload/', status: 405, header: () => undefined, text: '' })).toThrow(/^TRACE \/upload\/: the document has no TRACE on \/upload\/$/);
  });
});

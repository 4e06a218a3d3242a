import { basename } from 'node:path';
import { expect, it } from 'vitest';
import type { HostileContext } from './hostile-input.js';
import { TEST_USER_HEADER } from './http.js';

const json = { 'content-type': 'application/json' };

/** Start and finalize requests no client should send: JSON, sizes, filenames, checksums, quotas. */
export function describeHostileRequests(context: HostileContext): void {
  const { call, put, start, raw, base, refuseEach, observe, limits } = context;
  const post = (text: string | Buffer, headers: Record<string, string> = json, path = '/') =>
    raw('POST', `${base()}${path}`, headers, (req) => req.end(text));

  it('refuses malformed, wrongly typed, huge and deeply nested JSON and creates nothing', async () => {
    const deep = (depth: number) => `{"filename":"a","total_size":1,"metadata":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const cases: Array<{ text: string | Buffer; headers?: Record<string, string>; status: number; error: string }> = [
      ...['{', '{"filename":"a",', '{"filename":"a","total_size":1,}', "{'filename':'a'}", '{"filename":"a","total_size":1}{"x":1}', '{"filename":"a" "total_size":1}', 'NaN'].map((text) => ({ text, status: 400, error: 'INVALID_REQUEST' })),
      ...['null', '"text"', '123', 'true', '[]', '[{"filename":"a","total_size":1}]'].map((text) => ({ text, status: 400, error: 'INVALID_REQUEST' })),
      { text: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), status: 400, error: 'INVALID_REQUEST' },
      { text: deep(40), status: 400, error: 'INVALID_REQUEST' },
      { text: deep(3000), status: 400, error: 'INVALID_REQUEST' },
      { text: `{"filename":"a","total_size":1,"metadata":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`, status: 400, error: 'INVALID_REQUEST' },
      { text: `{"filename":"a","total_size":1,"pad":"${'x'.repeat(limits.maxJsonBytes)}"}`, status: 413, error: 'BODY_TOO_LARGE' },
      { text: 'a,b\n1,2', headers: { 'content-type': 'text/csv' }, status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { text: '<upload filename="a"/>', headers: { 'content-type': 'application/xml' }, status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
      { text: 'filename=a', headers: { 'content-type': 'text/plain' }, status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' },
    ];
    const tried = await refuseEach(cases, { ids: [] }, (item) => post(item.text, item.headers), (item) => item);
    expect(tried).toBe(21);
    const polluting = await post('{"filename":"a","total_size":1,"metadata":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}},"__proto__":{"polluted":true}}');
    expect(polluting !== 'reset' && polluting.status).toBe(201);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a JSON body of megabytes with 413 without reading it all', async () => {
    const before = await observe([]);
    const huge = await raw('POST', `${base()}/`, { ...json, 'content-length': String(8 * 1024 * 1024) }, (req) => {
      req.write(`{"filename":"a","total_size":1,"pad":"${'x'.repeat(64 * 1024)}`);
    });
    expect(huge !== 'reset' && huge.status).toBe(413);
    expect(huge !== 'reset' && huge.body.error).toBe('BODY_TOO_LARGE');
    expect(await observe([])).toEqual(before);
  });

  it('refuses negative, fractional, huge, string and other non-sizes, and sizes over the limit', async () => {
    const sizes = ['-1', '-0.5', '1.5', '1e400', '9007199254740992', '18446744073709551616', '"10"', '"0x10"', '" 10"', '""', 'null', 'true', '[]', '{}', '[10]'];
    const cases = [
      ...sizes.map((size) => ({ text: `{"filename":"a","total_size":${size}}`, headers: json, status: 400, error: 'INVALID_SIZE' })),
      ...['-5', '1.5', 'abc', '99999999999999999', ''].map((size) => ({ text: `filename=a&total_size=${size}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 400, error: 'INVALID_SIZE' })),
      { text: `{"filename":"a","total_size":${limits.maxUploadSize + 1}}`, headers: json, status: 413, error: 'UPLOAD_TOO_LARGE' },
      { text: `{"filename":"a","total_size":${2 ** 53 - 1}}`, headers: json, status: 413, error: 'UPLOAD_TOO_LARGE' },
    ];
    expect(await refuseEach(cases, { ids: [] }, (item) => post(item.text, item.headers), (item) => item)).toBe(22);
    const largest = await call('POST', '/', { body: { filename: 'a', total_size: limits.maxUploadSize } });
    expect(largest.status).toBe(201);
    expect((await call('DELETE', `/${largest.body.upload_id}/`)).status).toBe(200);
  });

  it('keeps every hostile filename as metadata and stores the file under a safe name inside the storage', async () => {
    const refused = ['x'.repeat(10_000), '', '   ', 'nul\u0000byte.txt'];
    await refuseEach(refused, { ids: [] }, (filename) => post(JSON.stringify({ filename, total_size: 1 })), () => ({ status: 400, error: 'INVALID_FILENAME' }));
    await refuseEach([5, ['a'], { a: 1 }, null, true], { ids: [] }, (filename) => post(JSON.stringify({ filename, total_size: 1 })), () => ({ status: 400, error: 'INVALID_FILENAME' }));
    const accepted = [
      'line\nbreak.txt', 'carriage\r\nreturn', 'tab\there', 'bell\u0007.bin', 'del\u007f.bin', 'esc\u001b[31mred', 'x'.repeat(1024),
      'CON', 'prn.txt', 'aux', 'NUL.tar.gz', 'COM1', 'lpt9.log', 'con ', 'file. . .', '\u2102\u{1d546}\u2115', '\uff23\uff2f\uff2e',
      '\uff0e\uff0e\uff0fetc\uff0fpasswd', '..\u2215..\u2215secret', 'a\u2044b', 'zero\u200bwidth', '\u202egnp.exe', '%2e%2e%2fx', '..',
      '.', '~/.ssh/authorized_keys', '\\\\server\\share\\x', 'C:secret', '\ud800lone surrogate', 'émoji 🎥.mp4',
    ];
    for (const filename of accepted) {
      const id = await start(1, { filename });
      expect((await put(id, new Uint8Array([9]), 0, 0)).status).toBe(200);
      expect((await call('POST', `/${id}/`, { body: {} })).status, JSON.stringify(filename)).toBe(201);
      const location = context.locationOf(id);
      const name = basename(location);
      expect(context.target().isInsideStorage(location), `${JSON.stringify(filename)} -> ${location}`).toBe(true);
      expect(name.startsWith(id), name).toBe(true);
      expect(name).not.toMatch(/[\u0000-\u001f\u007f/\\]|^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i);
      expect([...(await context.target().readAssembled(location))]).toEqual([9]);
      const shown = (await call('GET', `/${id}/`)).body.filename as string;
      expect(shown === filename || filename.includes('\ud800')).toBe(true);
    }
  });

  it('refuses unsupported checksum algorithms and malformed checksums at start and finalize', async () => {
    const algorithms = ['md4', 'crc32', 'sha3-256', 'rot13', 'none', 'md5 ', '', 123, ['md5'], { name: 'md5' }, true];
    await refuseEach(algorithms, { ids: [] }, (algo) => post(JSON.stringify({ filename: 'a', total_size: 1, checksum_algo: algo })), () => ({ status: 400, error: 'UNSUPPORTED_CHECKSUM' }));
    const checksums = ['zz', 'g'.repeat(32), 'ab'.repeat(200), 'd41d8cd9 8f00b204', 123, ['ab'], { hex: 'ab' }];
    await refuseEach(checksums, { ids: [] }, (checksum) => post(JSON.stringify({ filename: 'a', total_size: 1, checksum })), () => ({ status: 400, error: 'INVALID_REQUEST' }));
    const id = await start(1);
    await put(id, new Uint8Array([1]), 0, 0);
    await refuseEach(algorithms.filter((algo) => algo !== ''), { ids: [id] }, (algo) => post(JSON.stringify({ checksum_algo: algo }), json, `/${id}/`), () => ({ status: 400, error: 'UNSUPPORTED_CHECKSUM' }));
    await refuseEach(checksums, { ids: [id] }, (checksum) => post(JSON.stringify({ checksum }), json, `/${id}/`), () => ({ status: 400, error: 'INVALID_REQUEST' }));
    await refuseEach(['{', '[]', 'null'], { ids: [id] }, (text) => post(text, json, `/${id}/`), () => ({ status: 400, error: 'INVALID_REQUEST' }));
    await refuseEach(['hello'], { ids: [id] }, (text) => post(text, { 'content-type': 'text/csv' }, `/${id}/`), () => ({ status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' }));
    expect((await call('POST', `/${id}/`, { body: {} })).status).toBe(201);
  });

  it('refuses an identity over its quota of open uploads with 429, until one is finished', async () => {
    const user = 'quota-holder';
    const ids: string[] = [];
    for (let i = 0; i < limits.maxActiveUploadsPerOwner; i += 1) ids.push(await start(1, {}, user));
    await refuseEach([1, 2, 3], { ids: ids.slice(0, 3), users: [user] }, () => post(JSON.stringify({ filename: 'a', total_size: 1 }), { ...json, [TEST_USER_HEADER]: user }), () => ({ status: 429, error: 'TOO_MANY_UPLOADS' }));
    expect(await start(1, {}, 'someone-else')).toBeTruthy();
    expect((await call('DELETE', `/${ids[0]}/`, { user })).status).toBe(200);
    expect(await start(1, {}, user)).toBeTruthy();
    for (const id of ids.slice(1)) expect((await call('DELETE', `/${id}/`, { user })).status).toBe(200);
  });
}

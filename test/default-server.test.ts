import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServerProcess, type ServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const SERVER = join(ROOT, 'examples/default-server/dist/server.js');
const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('the default server (Express + SQLite + disk), as a user runs it', () => {
  let dataDir: string;
  let server: ServerProcess;
  const env = () => ({ PORT: '0', HOST: '127.0.0.1', FRAGO_DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'frago-default-'));
    server = await startServerProcess(SERVER, env());
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the upload page at /', async () => {
    const response = await fetch(`${server.origin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('<input type="file" id="files" multiple>');
    expect(html).toContain("from '/frago-client.js'");
    for (const script of ['/frago-client.js', '/frago-hash-worker.js']) {
      const bundle = await fetch(`${server.origin}${script}`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toContain('javascript');
      expect((await bundle.text()).length).toBeGreaterThan(1000);
    }
  });

  it('serves the OpenAPI document of its API at /openapi.json, the one @frago/core publishes', async () => {
    const response = await fetch(`${server.origin}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const served = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    const published: unknown = JSON.parse(await readFile(join(ROOT, 'packages/core/openapi.json'), 'utf8'));
    expect(served).toEqual(published);
    expect(served.openapi).toBe('3.1.0');
    expect(Object.keys(served.paths)).toEqual([
      '/upload/',
      '/upload/{id}/',
      '/upload/{id}/parts',
      '/files/',
      '/files/{id}',
      '/s3/params',
      '/s3/form',
      '/s3/multipart',
      '/s3/multipart/{id}',
      '/s3/multipart/{id}/complete',
      '/s3/multipart/{id}/{part}',
    ]);
  });

  it('assembles a 100 MiB file sent with curl in shuffled 1 MiB chunks, four at a time', async () => {
    const file = join(dataDir, 'source.bin');
    const bytes = randomBytes(100 * MiB);
    await writeFile(file, bytes);
    const { stdout } = await run('bash', [join(ROOT, 'examples/default-server/curl-upload.sh'), file, `${server.origin}/upload`, String(MiB), '4'], {
      maxBuffer: 16 * MiB,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { status: boolean; upload_id: string; checksum: string };
    expect(result).toMatchObject({ status: true, checksum: md5(bytes) });
    const assembled = await readdir(join(dataDir, 'assembled'));
    const name = assembled.find((entry) => entry.startsWith(result.upload_id));
    expect(name).toBe(`${result.upload_id}-source.bin`);
    expect((await readFile(join(dataDir, 'assembled', name!))).equals(bytes)).toBe(true);
    expect(await readdir(join(dataDir, 'incoming'))).toEqual([]);
  });

  it('keeps an upload across a restart, so the client resumes with what is missing', async () => {
    const bytes = randomBytes(3 * MiB);
    const started = await fetch(`${server.origin}/upload/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'resume.bin', total_size: bytes.length }),
    });
    const { upload_id: id } = (await started.json()) as { upload_id: string };
    const put = (origin: string, start: number, end: number) =>
      fetch(`${origin}/upload/${id}/`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${bytes.length}` },
        body: bytes.subarray(start, end + 1),
      });
    expect((await put(server.origin, MiB, 2 * MiB - 1)).status).toBe(200);

    expect(await server.stop('SIGTERM')).toBe(0);
    server = await startServerProcess(SERVER, env());

    const status = (await (await fetch(`${server.origin}/upload/${id}/`)).json()) as { missing: Array<{ start: number; end: number }> };
    expect(status.missing).toEqual([
      { start: 0, end: MiB - 1 },
      { start: 2 * MiB, end: 3 * MiB - 1 },
    ]);
    for (const gap of status.missing) expect((await put(server.origin, gap.start, gap.end)).status).toBe(200);
    const done = await fetch(`${server.origin}/upload/${id}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ checksum: md5(bytes) }),
    });
    expect(done.status).toBe(201);
    expect((await readFile(join(dataDir, 'assembled', `${id}-resume.bin`))).equals(bytes)).toBe(true);
  });
});

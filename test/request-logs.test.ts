import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createFrago, identityOf, MemoryRepository, MemoryStorage, type Frago, type FragoEvents, type Storage } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { listen } from '@frago/conformance';

/** A storage whose writes fail as a full disk does. */
function fullDisk(storage: Storage): Storage {
  return Object.assign(Object.create(storage) as Storage, {
    async write(): Promise<never> {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    },
  });
}

/** A pino logger writing JSON lines into `lines`, as a server's log file would hold them. */
function collectingLogger(lines: Array<Record<string, any>>) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'debug' }, sink);
}

describe('request logs', () => {
  const lines: Array<Record<string, any>> = [];
  const errors: Array<FragoEvents['error']> = [];
  let frago: Frago;
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    frago = createFrago({ repository: new MemoryRepository(), storage: fullDisk(new MemoryStorage()), logger: collectingLogger(lines) });
    frago.events.on('error', (event) => errors.push(event));
    const listener = createNodeListener(frago.handle, { identify: (req) => identityOf('user', req.headers['x-user']) });
    ({ origin, close } = await listen(createServer((req, res) => void listener(req, res))));
  });
  afterAll(() => close());

  const call = (method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${origin}${path}`, { method, body, headers: { 'x-user': 'ada', ...headers } });

  it('logs a failed chunk once, with its cause and stack, and tells the client only its code', async () => {
    const created = await call('POST', '/upload/', JSON.stringify({ filename: 'a.bin', total_size: 4 }), { 'content-type': 'application/json' });
    const { upload_id: id } = (await created.json()) as { upload_id: string };
    lines.length = 0;

    const answer = await call('PUT', `/upload/${id}/`, new Uint8Array([1, 2, 3, 4]), {
      'content-type': 'application/octet-stream',
      'content-range': 'bytes 0-3/4',
    });
    const text = await answer.text();

    expect(answer.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ status: false, error: 'STORAGE_FAILED', message: 'The chunk could not be stored' });
    expect(text).not.toMatch(/ENOSPC|stack|no space/i);

    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 50,
      msg: 'request failed',
      method: 'PUT',
      route: '/upload/:id/',
      status: 500,
      uploadId: id,
      identity: 'user',
      code: 'STORAGE_FAILED',
      // pino's error serializer folds the cause into the message and the stack.
      err: { type: 'FragoError', message: 'The chunk could not be stored: ENOSPC: no space left on device, write' },
    });
    expect(line?.err.stack).toMatch(/^FragoError: The chunk could not be stored\n\s+at /);
    expect(line?.err.stack).toMatch(/caused by: Error: ENOSPC: no space left on device, write\n\s+at /);
    expect(typeof line?.durationMs).toBe('number');
    expect(errors.map((event) => [event.source, event.request?.status])).toEqual([['request', 500]]);
  });

  it('logs a served request on one info line with its identity and bytes', async () => {
    lines.length = 0;
    const start = JSON.stringify({ filename: 'b.bin', total_size: 0 });
    const created = await call('POST', '/upload/', start, { 'content-type': 'application/json' });
    const { upload_id: id } = (await created.json()) as { upload_id: string };
    await call('GET', `/upload/${id}/`);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'request', method: 'POST', route: '/upload/', status: 201, uploadId: id, identity: 'user', bytes: start.length }),
      expect.objectContaining({ level: 30, msg: 'request', method: 'GET', route: '/upload/:id/', status: 200, uploadId: id, identity: 'user', bytes: 0 }),
    ]);
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('logs a failed sweep and emits it as an error event', async () => {
    const failing = createFrago({
      repository: Object.assign(Object.create(new MemoryRepository()), {
        findExpired: async () => {
          throw new Error('connection refused');
        },
      }),
      storage: new MemoryStorage(),
      logger: collectingLogger(lines),
    });
    const sweeps: Array<FragoEvents['error']> = [];
    failing.events.on('error', (event) => sweeps.push(event));
    lines.length = 0;
    const stop = failing.startSweeper(5);
    await expect.poll(() => sweeps.length).toBeGreaterThan(0);
    stop();
    expect(sweeps[0]?.source).toBe('sweeper');
    expect(lines[0]).toMatchObject({ level: 50, msg: 'sweep failed', err: { code: 'REPOSITORY_FAILED' } });
    expect(lines[0]?.err.stack).toContain('caused by: Error: connection refused');
  });
});

describe('request logs and answers of tus requests', () => {
  const lines: Array<Record<string, any>> = [];
  let origin: string;
  let close: () => Promise<void>;
  const failingInstrumentation = {
    request: (facts: { readonly protocol: string; readonly operation: string }, next: () => Promise<unknown>) => {
      if (facts.operation === 'status') throw new Error('the observer broke');
      return next();
    },
  };

  beforeAll(async () => {
    const working = new MemoryStorage();
    const full = fullDisk(working);
    const storage = Object.assign(Object.create(working) as Storage, {
      write(...args: Parameters<Storage['write']>) {
        return (args[4]?.totalSize === 13 ? full : working).write(...args);
      },
    });
    const frago = createFrago({
      repository: new MemoryRepository(),
      storage,
      logger: collectingLogger(lines),
      tus: true,
      instrumentation: failingInstrumentation as never,
    });
    const listener = createNodeListener(frago.handle, { identify: (req) => identityOf('user', req.headers['x-user']) });
    ({ origin, close } = await listen(createServer((req, res) => void listener(req, res))));
  });
  afterAll(() => close());

  const tus = (method: string, path: string, headers: Record<string, string> = {}, body?: Uint8Array) =>
    fetch(`${origin}${path}`, { method, body, headers: { 'x-user': 'ada', 'tus-resumable': '1.0.0', ...headers } });

  it('names the tus route, operation and upload of each request', async () => {
    lines.length = 0;
    const created = await tus('POST', '/files/', { 'upload-length': '4' });
    expect(created.status).toBe(201);
    const id = created.headers.get('location')?.split('/').pop();
    const patched = await tus('PATCH', `/files/${id}`, { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, new Uint8Array([1, 2]));
    expect(patched.status).toBe(204);
    expect((await tus('DELETE', `/files/${id}`)).status).toBe(204);
    await tus('GET', '/files/x/y');
    const fields = (line: Record<string, any>) => [line.protocol, line.method, line.route, line.operation, line.status, line.uploadId, line.bytes];
    expect(lines.map(fields)).toEqual([
      ['tus', 'POST', '/files/', 'create', 201, id, 0],
      ['tus', 'PATCH', '/files/:id', 'chunk', 204, id, 2],
      ['tus', 'DELETE', '/files/:id', 'abort', 204, id, 0],
      ['tus', 'GET', '/files/*', 'other', 404, null, 0],
    ]);
  });

  it('logs a failed tus chunk with its cause and answers it in tus form', async () => {
    const created = await tus('POST', '/files/', { 'upload-length': '13' });
    const id = created.headers.get('location')?.split('/').pop();
    lines.length = 0;
    const patched = await tus('PATCH', `/files/${id}`, { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, new Uint8Array(13));
    expect(patched.status).toBe(500);
    expect(patched.headers.get('tus-resumable')).toBe('1.0.0');
    expect(await patched.json()).toEqual({ status: false, error: 'STORAGE_FAILED', message: 'The chunk could not be stored' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, protocol: 'tus', route: '/files/:id', operation: 'chunk', status: 500, uploadId: id, code: 'STORAGE_FAILED' });
    expect(lines[0]?.err.stack).toContain('caused by: Error: ENOSPC');
  });

  it('answers a failure around a tus handler in tus form, not frago form', async () => {
    const created = await tus('POST', '/files/', { 'upload-length': '4' });
    const id = created.headers.get('location')?.split('/').pop();
    lines.length = 0;
    const head = await tus('HEAD', `/files/${id}`);
    expect(head.status).toBe(500);
    expect(head.headers.get('tus-resumable')).toBe('1.0.0');
    expect(lines).toEqual([expect.objectContaining({ level: 50, protocol: 'tus', route: '/files/:id', operation: 'status', code: 'INTERNAL_ERROR' })]);
  });
});

describe('the error event without a logger', () => {
  it('still tells an error listener how many body bytes the failed request read and who sent it', async () => {
    // A storage that takes the whole chunk, then finds the disk full.
    const storage = new MemoryStorage();
    const fullAfterReading = Object.assign(Object.create(storage) as Storage, {
      async write(_key: string, _offset: number, body: AsyncIterable<Uint8Array>): Promise<never> {
        for await (const piece of body) void piece;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
    const frago = createFrago({ repository: new MemoryRepository(), storage: fullAfterReading });
    const errors: Array<FragoEvents['error']> = [];
    frago.events.on('error', (event) => errors.push(event));
    const listener = createNodeListener(frago.handle, { identify: (req) => identityOf('user', req.headers['x-user']) });
    const { origin, close } = await listen(createServer((req, res) => void listener(req, res)));
    try {
      const headers = { 'x-user': 'ada' };
      const created = await fetch(`${origin}/upload/`, {
        method: 'POST',
        body: JSON.stringify({ filename: 'c.bin', total_size: 6 }),
        headers: { ...headers, 'content-type': 'application/json' },
      });
      const { upload_id: id } = (await created.json()) as { upload_id: string };
      const answer = await fetch(`${origin}/upload/${id}/`, {
        method: 'PUT',
        body: new Uint8Array(6),
        headers: { ...headers, 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-5/6' },
      });
      expect(answer.status).toBe(500);
      expect(errors.map((event) => [event.request?.status, event.request?.bytes, event.request?.identityKind])).toEqual([[500, 6, 'user']]);
    } finally {
      await close();
    }
  });
});

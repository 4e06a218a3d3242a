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

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrago, FragoError, type CorsOptions } from '@frago/core';
import { listen, ResponseLog } from '@frago/conformance';
import { fragoExpress, type FragoExpressOptions } from '@frago/express';
import { openStack, type Stack } from './support/stack.js';

/** How a server in each identity mode is told who is calling, and who the callers are. */
interface Mode {
  readonly name: string;
  readonly options: FragoExpressOptions;
  /** Headers that make a request come from `caller`; `undefined` is a caller with no credentials. */
  readonly as: (caller: string | undefined) => Record<string, string>;
  readonly owner: string | undefined;
  readonly intruders: ReadonlyArray<string | undefined>;
}

// A stand-in for an authentication middleware: `Authorization: Bearer <name>` signs in as <name>.
function bearer(req: Request, _res: Response, next: NextFunction): void {
  const match = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '');
  if (match) (req as Request & { user?: { id: string } }).user = { id: match[1] as string };
  next();
}

const modes: Mode[] = [
  {
    name: 'users from an authentication middleware (req.user), anonymous without one',
    options: {},
    as: (caller): Record<string, string> => (caller ? { authorization: `Bearer ${caller}` } : {}),
    owner: 'alice',
    intruders: ['bob', undefined],
  },
  {
    name: 'devices from a custom resolver that requires a device id',
    options: {
      identify: (req) => {
        const id = req.headers['x-device-id'];
        if (typeof id !== 'string' || id === '') throw new FragoError('UNAUTHENTICATED', 'Send X-Device-Id');
        return { kind: 'device', id };
      },
    },
    as: (caller): Record<string, string> => (caller ? { 'x-device-id': caller } : {}),
    owner: 'drone-7',
    intruders: ['drone-8', 'alice'],
  },
];

describe('access control over HTTP (Express, SQLite and disk)', () => {
  let stack: Stack;
  const log = new ResponseLog();
  const servers: Array<{ close(): Promise<void> }> = [];

  async function serve(options: FragoExpressOptions, cors?: CorsOptions): Promise<string> {
    const frago = createFrago({ repository: stack.repository, storage: stack.storage, cors });
    const app = express();
    app.use(bearer);
    app.use(fragoExpress(frago, options));
    const server = await listen(createServer(app));
    servers.push(server);
    return server.origin;
  }

  async function call(origin: string, method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array) {
    const response = await fetch(`${origin}/upload${path}`, { method, headers, body });
    const text = await response.text();
    log.record(text);
    return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, any> };
  }

  beforeAll(async () => {
    stack = await openStack('sqlite');
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await stack?.close();
  });

  for (const mode of modes) {
    it(`${mode.name}: no other identity can read, write, finalize, list or abort, and cannot tell the upload exists`, async () => {
      const origin = await serve(mode.options);
      const json = (caller: string | undefined) => ({ 'content-type': 'application/json', ...mode.as(caller) });
      const created = await call(origin, 'POST', '/', json(mode.owner), JSON.stringify({ filename: 'secret.bin', total_size: 20 }));
      expect(created.status).toBe(201);
      const id = created.body.upload_id as string;
      const chunk = (caller: string | undefined, range: string) =>
        call(origin, 'PUT', `/${id}/`, { 'content-type': 'application/octet-stream', 'content-range': range, ...mode.as(caller) }, new Uint8Array(10));
      expect((await chunk(mode.owner, 'bytes 0-9/20')).status).toBe(200);
      const ownerView = await call(origin, 'GET', `/${id}/`, mode.as(mode.owner));
      const unknown = `00000000-0000-4000-8000-${randomBytes(6).toString('hex')}`;

      let attempts = 0;
      for (const intruder of mode.intruders) {
        const tries = [
          [await call(origin, 'GET', `/${id}/`, mode.as(intruder)), await call(origin, 'GET', `/${unknown}/`, mode.as(intruder))],
          [await chunk(intruder, 'bytes 10-19/20'), await call(origin, 'PUT', `/${unknown}/`, { 'content-type': 'application/octet-stream', 'content-range': 'bytes 10-19/20', ...mode.as(intruder) }, new Uint8Array(10))],
          [await call(origin, 'POST', `/${id}/`, json(intruder), '{}'), await call(origin, 'POST', `/${unknown}/`, json(intruder), '{}')],
          [await call(origin, 'DELETE', `/${id}/`, mode.as(intruder)), await call(origin, 'DELETE', `/${unknown}/`, mode.as(intruder))],
        ];
        for (const [foreign, missing] of tries) {
          attempts += 1;
          // Exactly the answer for an id that does not exist (or the resolver's refusal).
          expect(foreign?.status).toBe(missing?.status);
          expect(foreign?.text).toBe(missing?.text);
          expect([401, 404]).toContain(foreign?.status);
        }
        const listed = await call(origin, 'GET', '/', mode.as(intruder));
        expect(listed.text).not.toContain(id);
      }
      expect(attempts).toBe(mode.intruders.length * 4);
      expect(await call(origin, 'GET', `/${id}/`, mode.as(mode.owner))).toMatchObject({ status: 200, text: ownerView.text });
      expect((await call(origin, 'GET', '/', mode.as(mode.owner))).text).toContain(id);
      expect(await stack.sql('select start_byte, end_byte, state from frago_chunk where upload_id = ?', [id])).toEqual([
        { start_byte: 0, end_byte: 9, state: 'stored' },
      ]);
    });
  }

  it('anonymous uploads are reachable only through their unguessable id and never listed, to anyone', async () => {
    const anonymousOnly = await serve({ identify: () => ({ kind: 'anonymous' }) });
    const withUsers = await serve({});
    const ids = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      const created = await call(anonymousOnly, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ filename: 'a', total_size: 1 }));
      ids.add(created.body.upload_id as string);
    }
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const [origin, headers] of [[anonymousOnly, {}], [withUsers, {}], [withUsers, { authorization: 'Bearer alice' }]] as const) {
      const listed = await call(origin, 'GET', '/?limit=200', headers);
      for (const id of ids) expect(listed.text).not.toContain(id);
    }
    const [first] = ids;
    expect((await call(withUsers, 'GET', `/${first}/`, { authorization: 'Bearer carol' })).status).toBe(200);
  });

  it('answers a caller the resolver refuses with 401 before touching anything', async () => {
    const origin = await serve(modes[1]?.options ?? {});
    const before = await stack.sql('select count(*) as n from frago_upload');
    const refused = await call(origin, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ filename: 'a', total_size: 1 }));
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ status: false, error: 'UNAUTHENTICATED', message: 'Send X-Device-Id' });
    expect(await stack.sql('select count(*) as n from frago_upload')).toEqual(before);
  });

  it('sends no CORS header and serves no preflight unless configured; configured, it serves the listed origins only', async () => {
    const preflight = { origin: 'https://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-range, authorization' };
    const closed = await serve({});
    const refused = await call(closed, 'OPTIONS', '/', preflight);
    // Not a preflight to frago without CORS: an OPTIONS call from nobody, refused as any other.
    expect(refused.status).toBe(401);
    const plain = await call(closed, 'GET', '/', { origin: 'https://app.example' });
    expect([...refused.headers.keys(), ...plain.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);

    const open = await serve({}, { origin: ['https://app.example'], allowHeaders: ['Authorization'] });
    const allowed = await call(open, 'OPTIONS', '/', preflight);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const created = await call(open, 'POST', '/', { origin: 'https://app.example', 'content-type': 'application/json', authorization: 'Bearer alice' }, JSON.stringify({ filename: 'a', total_size: 1 }));
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(created.headers.get('access-control-expose-headers')).toContain('location');
    const other = await call(open, 'OPTIONS', '/', { ...preflight, origin: 'https://evil.example' });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never answered with a stack trace, SQL, a file path or a secret', () => {
    expect(log.size).toBeGreaterThan(50);
    expect(log.leaks(stack.secrets)).toEqual([]);
  });
});

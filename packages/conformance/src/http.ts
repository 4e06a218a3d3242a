import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Frago, type FragoEvents, type FragoOptions, type FragoProtocols, type ProtocolOptions, type UploadRepository } from '@frago/core';
import { describeCorsIdentity } from './cors-identity.js';
import type { HttpSuiteContext } from './http-context.js';
import { describeHostileInput } from './hostile-input.js';
import { ResponseLog } from './leaks.js';
import { fragoOpenApi, openApiChecker } from './openapi-check.js';
import { rawRequest, socketRequest } from './raw-http.js';
import { TEST_ORIGIN, TEST_USER_HEADER } from './test-identity.js';

export {
  TEST_BAD_CREDENTIALS,
  TEST_ORIGIN,
  TEST_SIGNED_OUT_HEADER,
  TEST_USER_HEADER,
  testIdentity,
  testNodeIdentity,
  testRequestIdentity,
} from './test-identity.js';

/** A running server for the HTTP suite. */
export interface HttpTarget {
  /** Origin of the server, e.g. `http://127.0.0.1:4000`. */
  readonly origin: string;
  /** The frago the server mounts, at the default base path `/upload`: the suite watches its events and runs its sweeper. */
  readonly frago: Pick<Frago, 'events' | 'sweepExpired'>;
  /**
   * The repository that frago records uploads in. The suite writes to it only what a
   * server process killed mid-chunk leaves behind: a claim nobody releases.
   */
  readonly repository: Pick<UploadRepository, 'claimRange'>;
  /**
   * For a server in another process (see {@link remoteTarget}): called before and after
   * every request the suite sends, to hand the server the suite's clock and to bring
   * the events the server emitted to {@link HttpTarget.frago}'s emitter.
   */
  sync?(): Promise<void>;
  /** The bytes of an assembled file, by the location the storage reported. */
  readAssembled(location: string): Promise<Uint8Array>;
  /** True when `location` lies inside the storage's assembled area. */
  isInsideStorage(location: string): boolean;
  /**
   * The stored state (e.g. every row of the upload and chunk tables, read with raw
   * SQL), for the suite to check that a refused request changed nothing.
   */
  snapshot?(): Promise<unknown>;
  /** Texts no response may contain: data folders, database URLs, credentials. */
  readonly secrets?: readonly string[];
  close(): Promise<void>;
}

/** Options the suite sets; a setup passes them on to `createFrago` with its repository and storage. */
export type HttpSuiteOptions = Pick<FragoOptions, 'limits' | 'expirationMs' | 'now' | 'bodyIdleTimeoutMs'> &
  Pick<ProtocolOptions, 'cors'> &
  Pick<FragoProtocols, 'companion'>;

type EventLog = Array<{ type: keyof FragoEvents; payload: unknown }>;

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

async function inBatches<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
    }),
  );
}

/**
 * The frago HTTP API, over a real socket, against any server that mounts a frago at
 * `/upload` and identifies callers by {@link TEST_USER_HEADER}. Every adapter runs it
 * unchanged.
 */
export function describeHttpConformance(name: string, setup: (options: HttpSuiteOptions) => Promise<HttpTarget>): void {
  describe(`HTTP API conformance: ${name}`, () => {
    let target: HttpTarget;
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const events: EventLog = [];
    const base = () => `${target.origin}/upload`;

    const limits = { maxChunkSize: 4 * MiB, maxUploadSize: 256 * MiB, maxJsonBytes: 16 * 1024, maxActiveUploadsPerOwner: 20 };
    // Long enough that a busy machine never stalls a live body this long; the stall case waits it out.
    const bodyIdleTimeoutMs = 1000;
    const log = new ResponseLog();
    const documented = openApiChecker(fragoOpenApi());
    // The path as the server sees it, below an origin that may carry a prefix.
    const served = (url: string) => (url.startsWith(target.origin) ? url.slice(target.origin.length) : url);
    const rawHeader = (headers: Record<string, string | string[] | undefined>) => (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };

    beforeAll(async () => {
      const cors = { origin: [TEST_ORIGIN], allowHeaders: [TEST_USER_HEADER] };
      target = await setup({ limits, bodyIdleTimeoutMs, expirationMs: 60 * 60 * 1000, now: () => new Date(clock), cors, companion: true });
      target.frago.events.on('*', (type, payload) => events.push({ type, payload }));
    });
    afterAll(async () => {
      await target?.close();
    });

    const as = (user?: string): Record<string, string> => (user ? { [TEST_USER_HEADER]: user } : {});
    const eventsFor = (id: string, type: keyof FragoEvents) =>
      events.filter((event) => event.type === type && (event.payload as { upload: { id: string } }).upload.id === id);

    async function send(url: string, init?: RequestInit): Promise<Response> {
      await target.sync?.();
      const response = await fetch(url, init);
      const text = await response.clone().text();
      log.record(text);
      await target.sync?.();
      documented.check({ method: init?.method ?? 'GET', url: served(url), status: response.status, header: (name) => response.headers.get(name) ?? undefined, text });
      return response;
    }

    const raw: HttpSuiteContext['raw'] = async (method, url, headers, write) => {
      await target.sync?.();
      const outcome = await rawRequest(method, url, headers, write);
      if (outcome !== 'reset') log.record(outcome.text);
      await target.sync?.();
      if (outcome !== 'reset') documented.check({ method, url: served(url), status: outcome.status, header: rawHeader(outcome.headers), text: outcome.text });
      return outcome;
    };
    const rawPut = (url: string, headers: Record<string, string>, write: Parameters<HttpSuiteContext['raw']>[3]) => raw('PUT', url, headers, write);

    async function call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; user?: string } = {}) {
      const isBytes = init.body instanceof Uint8Array;
      const response = await send(`${base()}${path}`, {
        method,
        headers: {
          ...(init.body !== undefined && !isBytes ? { 'content-type': 'application/json' } : {}),
          ...as(init.user),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : isBytes ? (init.body as Uint8Array) : JSON.stringify(init.body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, any> };
    }

    async function start(totalSize: number, extra: Record<string, unknown> = {}, user?: string): Promise<string> {
      const { status, body } = await call('POST', '/', { body: { filename: 'data.bin', total_size: totalSize, ...extra }, user });
      expect(status, JSON.stringify(body)).toBe(201);
      return body.upload_id as string;
    }

    function put(id: string, bytes: Uint8Array, start: number, end: number, user?: string, headers: Record<string, string> = {}) {
      return call('PUT', `/${id}/`, {
        body: bytes.subarray(start, end + 1),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${bytes.length}`, ...headers },
        user,
      });
    }

    async function sendAll(id: string, bytes: Uint8Array, chunkSize: number, width = 4, user?: string) {
      const ranges: Array<[number, number]> = [];
      for (let offset = 0; offset < bytes.length; offset += chunkSize) {
        ranges.push([offset, Math.min(offset + chunkSize, bytes.length) - 1]);
      }
      await inBatches(shuffle(ranges), width, async ([s, e]) => {
        const { status, body } = await put(id, bytes, s, e, user);
        expect(status, JSON.stringify(body)).toBe(200);
      });
    }

    const locationOf = (id: string) => (eventsFor(id, 'upload:completed')[0]?.payload as { location: string }).location;
    const context: HttpSuiteContext = {
      target: () => target,
      base,
      limits,
      bodyIdleTimeoutMs,
      events,
      log,
      call,
      send,
      raw,
      socket: async (url, head, body) => {
        await target.sync?.();
        const outcome = await socketRequest(url, head, body);
        if (outcome !== 'reset') log.record(outcome.text);
        await target.sync?.();
        const [method = 'GET', path = ''] = (head[0] ?? '').split(' ');
        // A runtime's HTTP parser refuses some hand-written requests itself with a 400
        // (bare, or in the framework's words) before frago sees them; that answer is not
        // the API's, and never has frago's `status` field.
        const byParser = outcome !== 'reset' && outcome.status === 400 && outcome.body.status === undefined;
        if (outcome !== 'reset' && !byParser) documented.check({ method, url: path, status: outcome.status, header: rawHeader(outcome.headers), text: outcome.text });
        return outcome;
      },
      start,
      put,
      locationOf,
    };

    describe('a whole upload', () => {
      it('assembles shuffled parallel chunks into a byte-identical file and reports it verified', async () => {
        const bytes = new Uint8Array(randomBytes(5 * MiB + 12345));
        const created = await call('POST', '/', { body: { filename: 'video.mp4', total_size: bytes.length } });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ status: true, message: 'Upload started for video.mp4', checksum_algo: 'md5' });
        expect(typeof created.body.expires_at).toBe('string');
        expect(created.body.chunk_size).toBeGreaterThan(0);
        const id = created.body.upload_id as string;

        await sendAll(id, bytes, 300 * 1024);
        const done = await call('POST', `/${id}/`, { body: { checksum: md5(bytes).toUpperCase(), checksum_algo: 'md5' } });
        expect(done.status, JSON.stringify(done.body)).toBe(201);
        expect(done.body).toMatchObject({ status: true, upload_id: id, message: 'Upload completed for video.mp4', checksum: md5(bytes) });

        const completed = eventsFor(id, 'upload:completed');
        expect(completed).toHaveLength(1);
        const location = (completed[0]?.payload as { location: string }).location;
        expect(target.isInsideStorage(location)).toBe(true);
        expect(Buffer.from(await target.readAssembled(location)).equals(Buffer.from(bytes))).toBe(true);
        expect(eventsFor(id, 'upload:started')).toHaveLength(1);
        expect(eventsFor(id, 'chunk:received').length).toBe(Math.ceil(bytes.length / (300 * 1024)));

        const view = await call('GET', `/${id}/`);
        expect(view.status).toBe(200);
        expect(view.body).toMatchObject({ upload_id: id, filename: 'video.mp4', total_size: bytes.length, status: 'complete', missing: [] });
        expect(view.body.completed_at).not.toBeNull();
        expect(view.body.received).toEqual([{ start: 0, end: bytes.length - 1 }]);
      });

      it('accepts the original multipart/form-data chunk form with a file field', async () => {
        const bytes = new Uint8Array(randomBytes(300_000));
        const id = await start(bytes.length);
        for (const [s, e] of [[0, 149_999], [150_000, 299_999]] as const) {
          const form = new FormData();
          form.append('note', 'ignored');
          form.append('file', new Blob([bytes.subarray(s, e + 1)]), 'chunk');
          const response = await send(`${base()}/${id}/`, { method: 'PUT', body: form, headers: { 'content-range': `bytes ${s}-${e}/${bytes.length}` } });
          expect(response.status, await response.clone().text()).toBe(200);
          expect(await response.json()).toMatchObject({ status: true, message: 'Chunk uploaded', start: s, end: e, size: e - s + 1 });
        }
        const done = await call('POST', `/${id}/`, { body: { checksum: md5(bytes) } });
        expect(done.status).toBe(201);
        const location = (eventsFor(id, 'upload:completed')[0]?.payload as { location: string }).location;
        expect(Buffer.from(await target.readAssembled(location)).equals(Buffer.from(bytes))).toBe(true);
      });

      it('takes a small file as @uppy/aws-s3 sends it: GET /s3/params, then the form posted where it says', async () => {
        const bytes = new Uint8Array(randomBytes(200_003));
        // Uppy's own query, without a size: the form's length tells it.
        const query = new URLSearchParams({ filename: 'note.txt', type: 'text/plain', 'metadata[name]': 'note.txt' });
        const params = await send(`${target.origin}/s3/params?${query}`, { headers: as('ada') });
        expect(params.status).toBe(200);
        const { method, url, fields } = (await params.json()) as { method: string; url: string; fields: Record<string, string> };
        expect([method, new URL(url).pathname, new URL(url).search]).toEqual(['POST', '/s3/form', `?${query}`]);
        // The form as a browser encodes it, sent whole with its headers (an answer before the body is read closes the connection).
        const posted = async (file: Uint8Array, user: string, field = 'file') => {
          const form = new FormData();
          for (const [name, value] of Object.entries(fields)) form.set(name, value);
          form.set(field, new Blob([file]), 'note.txt');
          const encoded = new Response(form);
          const body = new Uint8Array(await encoded.arrayBuffer());
          return send(`${target.origin}/s3/form?${query}`, { method: 'POST', body, headers: { 'content-type': encoded.headers.get('content-type') ?? '', ...as(user) } });
        };
        const listed = async () => ((await call('GET', '/', { user: 'ada' })).body.uploads as Array<{ upload_id: string; filename: string }>).filter((upload) => upload.filename === 'note.txt');
        expect((await posted(bytes, 'ada', 'other')).status).toBe(400);
        expect(await listed()).toEqual([]);

        expect((await posted(bytes, 'ada')).status).toBe(204);
        const [upload] = await listed();
        const id = upload?.upload_id ?? '';
        const view = await call('GET', `/${id}/`, { user: 'ada' });
        expect(view.body).toMatchObject({ status: 'complete', filename: 'note.txt', total_size: bytes.length, checksum: md5(bytes) });
        expect(Buffer.from(await target.readAssembled(locationOf(id))).equals(Buffer.from(bytes))).toBe(true);
        expect((await call('GET', `/${id}/`, { user: 'mallory' })).status).toBe(404);
      });

      it('refuses a multipart body without a file field and records nothing', async () => {
        const id = await start(10);
        const form = new FormData();
        form.append('other', new Blob([new Uint8Array(10)]), 'x');
        const response = await send(`${base()}/${id}/`, { method: 'PUT', body: form, headers: { 'content-range': 'bytes 0-9/10' } });
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: string }).error).toBe('MISSING_FILE_FIELD');
        expect((await call('GET', `/${id}/`)).body.received).toEqual([]);
      });

      it('completes a zero-byte file', async () => {
        const id = await start(0);
        const done = await call('POST', `/${id}/`, { body: { checksum: 'D41D8CD98F00B204E9800998ECF8427E' } });
        expect(done.status, JSON.stringify(done.body)).toBe(201);
        const location = (eventsFor(id, 'upload:completed')[0]?.payload as { location: string }).location;
        expect((await target.readAssembled(location)).byteLength).toBe(0);
      });

      it('finalizes with a checksum announced at start and another algorithm', async () => {
        const bytes = new Uint8Array(randomBytes(100_000));
        const sha = createHash('sha256').update(bytes).digest('hex');
        const id = await start(bytes.length, { checksum: sha, checksum_algo: 'SHA-256' });
        await sendAll(id, bytes, 30_000, 2);
        const done = await call('POST', `/${id}/`, { body: {} });
        expect(done.status, JSON.stringify(done.body)).toBe(201);
        expect(done.body).toMatchObject({ checksum: sha, checksum_algo: 'sha256' });
      });
    });

    describe('chunks', () => {
      it('treats the same range again as an idempotent duplicate', async () => {
        const bytes = new Uint8Array(randomBytes(2000));
        const id = await start(bytes.length);
        expect((await put(id, bytes, 0, 999)).body.duplicate).toBe(false);
        const again = await put(id, bytes, 0, 999);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ status: true, duplicate: true, start: 0, end: 999, size: 1000 });
        const view = await call('GET', `/${id}/`);
        expect(view.body.chunks).toEqual([{ start: 0, end: 999, size: 1000 }]);
        expect(view.body.missing).toEqual([{ start: 1000, end: 1999 }]);
      });

      it('refuses an overlapping different range with 409 and records nothing', async () => {
        const bytes = new Uint8Array(randomBytes(2000));
        const id = await start(bytes.length);
        await put(id, bytes, 0, 999);
        for (const [s, e] of [[500, 1499], [0, 499], [999, 1000], [0, 1999]] as const) {
          const response = await put(id, bytes, s, e);
          expect(response.status).toBe(409);
          expect(response.body).toMatchObject({ status: false, error: 'RANGE_CONFLICT', conflict: { start: 0, end: 999 } });
        }
        expect((await call('GET', `/${id}/`)).body.received).toEqual([{ start: 0, end: 999 }]);
      });

      it('refuses a duplicate range whose digest differs from the stored one', async () => {
        const bytes = new Uint8Array(randomBytes(1000));
        const id = await start(bytes.length);
        const digestOf = (data: Uint8Array) => `sha-256=:${createHash('sha256').update(data).digest('base64')}:`;
        expect((await put(id, bytes, 0, 999, undefined, { 'content-digest': digestOf(bytes) })).status).toBe(200);
        const other = new Uint8Array(randomBytes(1000));
        const conflict = await put(id, other, 0, 999, undefined, { 'content-digest': digestOf(other) });
        expect(conflict.status).toBe(409);
        expect(conflict.body.error).toBe('RANGE_CONFLICT');
      });

      it('refuses a chunk that does not match its Content-MD5 and records nothing', async () => {
        const bytes = new Uint8Array(randomBytes(1000));
        const id = await start(bytes.length);
        const wrong = createHash('md5').update('something else').digest('base64');
        const response = await put(id, bytes, 0, 999, undefined, { 'content-md5': wrong });
        expect(response.status).toBe(422);
        expect(response.body.error).toBe('DIGEST_MISMATCH');
        expect((await call('GET', `/${id}/`)).body.received).toEqual([]);
        const right = createHash('md5').update(bytes).digest('base64');
        expect((await put(id, bytes, 0, 999, undefined, { 'content-md5': right })).status).toBe(200);
      });

      it('records nothing for a body shorter or longer than its range, and accepts the range afterwards', async () => {
        const bytes = new Uint8Array(randomBytes(1000));
        const id = await start(bytes.length);
        const url = `${base()}/${id}/`;
        const headers = { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-999/1000' };
        const short = await rawPut(url, headers, (req) => req.end(Buffer.from(bytes.subarray(0, 600))));
        expect(short).not.toBe('reset');
        expect(short !== 'reset' && short.status).toBe(400);
        expect(short !== 'reset' && short.body.error).toBe('BODY_LENGTH_MISMATCH');
        const long = await rawPut(url, headers, (req) => req.end(Buffer.concat([Buffer.from(bytes), Buffer.alloc(10)])));
        expect(long !== 'reset' && long.body.error).toBe('BODY_LENGTH_MISMATCH');
        const mismatched = await rawPut(url, { ...headers, 'content-length': '10' }, (req) => req.end(Buffer.alloc(10)));
        expect(mismatched !== 'reset' && mismatched.status).toBe(400);
        const view = await call('GET', `/${id}/`);
        expect(view.body.received).toEqual([]);
        expect(view.body.in_flight).toEqual([]);
        expect((await put(id, bytes, 0, 999)).status).toBe(200);
      });

      it('records nothing for a body cut off mid-way, and frees its range at once', async () => {
        const bytes = new Uint8Array(randomBytes(200_000));
        const id = await start(bytes.length);
        const url = `${base()}/${id}/`;
        await rawPut(url, { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-199999/200000', 'content-length': '200000' }, (req) => {
          req.write(Buffer.from(bytes.subarray(0, 50_000)), () => setTimeout(() => req.destroy(), 50));
        });
        let view = await call('GET', `/${id}/`);
        for (let i = 0; i < 100 && view.body.in_flight.length > 0; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          view = await call('GET', `/${id}/`);
        }
        expect(view.body.received).toEqual([]);
        expect(view.body.in_flight).toEqual([]);
        expect((await put(id, bytes, 0, 199_999)).status).toBe(200);
        expect((await call('POST', `/${id}/`, { body: { checksum: md5(bytes) } })).status).toBe(201);
      });

      it('reports the claim of a process that died as missing once its lease lapsed, not in flight', async () => {
        const bytes = new Uint8Array(randomBytes(3000));
        const id = await start(bytes.length);
        await put(id, bytes, 0, 999);
        const orphan = { start: 1000, end: 1999 };
        const claimed = await target.repository.claimRange(id, orphan, {
          claimId: randomUUID(),
          digest: null,
          leaseUntil: new Date(clock + 60_000),
          now: new Date(clock),
        });
        expect(claimed.kind).toBe('claimed');
        const live = await call('GET', `/${id}/`);
        expect(live.body).toMatchObject({ in_flight: [orphan], missing: [{ start: 1000, end: 2999 }] });
        expect((await put(id, bytes, 1000, 1999)).body.error).toBe('RANGE_IN_FLIGHT');

        clock += 60_001;
        const lapsed = await call('GET', `/${id}/`);
        expect(lapsed.status).toBe(200);
        expect(lapsed.body).toMatchObject({ in_flight: [], received: [{ start: 0, end: 999 }], missing: [{ start: 1000, end: 2999 }] });
        for (const [s, e] of [[1000, 1999], [2000, 2999]] as const) {
          const sent = await put(id, bytes, s, e);
          expect(sent.status, JSON.stringify(sent.body)).toBe(200);
        }
        expect((await call('GET', `/${id}/`)).body).toMatchObject({ in_flight: [], missing: [] });
        expect((await call('POST', `/${id}/`, { body: { checksum: md5(bytes) } })).status).toBe(201);
        expect(Buffer.from(await target.readAssembled(locationOf(id))).equals(Buffer.from(bytes))).toBe(true);
      });

      it('refuses malformed and out-of-file ranges with 400 and records nothing', async () => {
        const id = await start(1000);
        const bad = ['', 'bytes 0-9', 'bytes 9-0/1000', 'bytes 0-1000/1000', 'bytes -1-5/1000', 'bytes 0-9/999', 'items 0-9/1000', 'bytes */1000', 'bytes 0-9/*', 'bytes 0.5-9/1000', 'bytes 0-99999999999999999999/1000'];
        for (const header of bad) {
          const response = await call('PUT', `/${id}/`, {
            body: new Uint8Array(10),
            headers: { 'content-type': 'application/octet-stream', ...(header ? { 'content-range': header } : {}) },
          });
          expect(response.status, header).toBe(400);
          expect(response.body.status).toBe(false);
          expect(response.body.error).toBe('INVALID_RANGE');
        }
        expect((await call('GET', `/${id}/`)).body.received).toEqual([]);
      });

      it('refuses a chunk over the size limit with 413 and an unknown content type with 415', async () => {
        const id = await start(10 * MiB);
        const big = await call('PUT', `/${id}/`, {
          body: new Uint8Array(4 * MiB + 1),
          headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes 0-${4 * MiB}/${10 * MiB}` },
        });
        expect(big.status).toBe(413);
        expect(big.body.error).toBe('CHUNK_TOO_LARGE');
        const typed = await call('PUT', `/${id}/`, { body: new Uint8Array(10), headers: { 'content-type': 'text/plain', 'content-range': `bytes 0-9/${10 * MiB}` } });
        expect(typed.status).toBe(415);
        expect(typed.body).toMatchObject({ status: false, error: 'UNSUPPORTED_MEDIA_TYPE' });
        expect((await call('GET', `/${id}/`)).body.received).toEqual([]);
      });
    });

    describe('finalize', () => {
      it('names the missing ranges when chunks are missing', async () => {
        const bytes = new Uint8Array(randomBytes(3000));
        const id = await start(bytes.length);
        await put(id, bytes, 1000, 1999);
        const response = await call('POST', `/${id}/`, { body: {} });
        expect(response.status).toBe(409);
        expect(response.body).toMatchObject({ status: false, error: 'UPLOAD_INCOMPLETE', message: 'Not all chunks uploaded' });
        expect(response.body.missing).toEqual([{ start: 0, end: 999 }, { start: 2000, end: 2999 }]);
        expect((await call('GET', `/${id}/`)).body.status).toBe('in_progress');
      });

      it('answers a wrong checksum with 422, keeps the bytes, and completes on a retry', async () => {
        const bytes = new Uint8Array(randomBytes(70_000));
        const id = await start(bytes.length);
        await sendAll(id, bytes, 20_000);
        const wrong = await call('POST', `/${id}/`, { body: { checksum: 'ab'.repeat(16), checksum_algo: 'md5' } });
        expect(wrong.status).toBe(422);
        expect(wrong.body).toMatchObject({ status: false, error: 'CHECKSUM_MISMATCH', actual: md5(bytes) });
        expect(eventsFor(id, 'checksum:failed')).toHaveLength(1);
        expect((await call('GET', `/${id}/`)).body).toMatchObject({ status: 'in_progress', missing: [] });
        const right = await call('POST', `/${id}/`, { body: { checksum: md5(bytes), checksum_algo: 'md5' } });
        expect(right.status).toBe(201);
        const location = (eventsFor(id, 'upload:completed')[0]?.payload as { location: string }).location;
        expect(Buffer.from(await target.readAssembled(location)).equals(Buffer.from(bytes))).toBe(true);
      });

      it('refuses an unsupported checksum algorithm without changing anything', async () => {
        const id = await start(0);
        const response = await call('POST', `/${id}/`, { body: { checksum: 'aa', checksum_algo: 'crc-unknown' } });
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('UNSUPPORTED_CHECKSUM');
        expect((await call('GET', `/${id}/`)).body.status).toBe('in_progress');
      });

      it('assembles once when finalized twice at the same time', async () => {
        const bytes = new Uint8Array(randomBytes(MiB));
        const id = await start(bytes.length);
        await sendAll(id, bytes, 256 * 1024);
        const results = await Promise.all([0, 1, 2].map(() => call('POST', `/${id}/`, { body: { checksum: md5(bytes) } })));
        const statuses = results.map((result) => result.status).sort();
        expect(statuses.filter((status) => status === 201)).toHaveLength(1);
        for (const status of statuses) expect([200, 201, 409]).toContain(status);
        expect(eventsFor(id, 'upload:completed')).toHaveLength(1);
        const again = await call('POST', `/${id}/`, { body: { checksum: md5(bytes) } });
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ status: true, already_complete: true, checksum: md5(bytes) });
        expect(eventsFor(id, 'upload:completed')).toHaveLength(1);
      });

      it('refuses chunks and aborts after completion cleanly', async () => {
        const bytes = new Uint8Array(randomBytes(1000));
        const id = await start(bytes.length);
        await put(id, bytes, 0, 999);
        expect((await call('POST', `/${id}/`, { body: {} })).status).toBe(201);
        const late = await put(id, bytes, 0, 999);
        expect(late.status).toBe(409);
        expect(late.body.error).toBe('UPLOAD_COMPLETED');
        const abort = await call('DELETE', `/${id}/`);
        expect(abort.status).toBe(409);
        expect((await call('GET', `/${id}/`)).body.status).toBe('complete');
      });
    });

    describe('expiry and abort', () => {
      it('refuses every call on an expired upload with 410 and the sweeper removes it', async () => {
        const bytes = new Uint8Array(randomBytes(2000));
        const id = await start(bytes.length);
        await put(id, bytes, 0, 999);
        const done = await start(0);
        expect((await call('POST', `/${done}/`, { body: {} })).status).toBe(201);
        clock += 2 * 60 * 60 * 1000;
        const late = await put(id, bytes, 1000, 1999);
        expect(late.status).toBe(410);
        expect(late.body.error).toBe('UPLOAD_EXPIRED');
        expect(eventsFor(id, 'upload:expired')).toHaveLength(1);
        expect((await call('POST', `/${id}/`, { body: {} })).status).toBe(410);
        expect((await call('GET', `/${id}/`)).status).toBe(410);
        expect(eventsFor(id, 'upload:completed')).toHaveLength(0);
        const fresh = await start(10);
        expect(await target.frago.sweepExpired()).toBeGreaterThanOrEqual(1);
        expect((await call('GET', `/${id}/`)).status).toBe(404);
        expect((await call('GET', `/${done}/`)).body.status).toBe('complete');
        expect((await call('GET', `/${fresh}/`)).body.status).toBe('in_progress');
        expect(eventsFor(id, 'upload:expired')).toHaveLength(1);
      });

      it('aborts an upload: its chunks go, its events fire, and every later call on it answers 410 until the sweeper removes it', async () => {
        const bytes = new Uint8Array(randomBytes(2000));
        const id = await start(bytes.length, {}, 'alice');
        await put(id, bytes, 0, 999, 'alice');
        const response = await call('DELETE', `/${id}/`, { user: 'alice' });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ status: true, upload_id: id });
        expect(eventsFor(id, 'upload:aborted')).toHaveLength(1);
        const later = [
          await call('GET', `/${id}/`, { user: 'alice' }),
          await put(id, bytes, 1000, 1999, 'alice'),
          await put(id, bytes, 0, 999, 'alice'),
          await call('POST', `/${id}/`, { body: {}, user: 'alice' }),
          await call('DELETE', `/${id}/`, { user: 'alice' }),
        ];
        for (const answer of later) {
          expect(answer.status, JSON.stringify(answer.body)).toBe(410);
          expect(answer.body).toMatchObject({ status: false, error: 'UPLOAD_ABORTED' });
        }
        expect(eventsFor(id, 'upload:aborted')).toHaveLength(1);
        expect((await call('GET', `/${id}/`, { user: 'bob' })).status).toBe(404);
        await target.frago.sweepExpired();
        expect((await call('GET', `/${id}/`, { user: 'alice' })).status).toBe(410);
        clock += 2 * 60 * 60 * 1000;
        expect(await target.frago.sweepExpired()).toBeGreaterThanOrEqual(1);
        expect((await call('GET', `/${id}/`, { user: 'alice' })).status).toBe(404);
        expect((await put(id, bytes, 1000, 1999, 'alice')).status).toBe(404);
      });
    });

    describe('a chunk racing an abort', () => {
      it('answers a chunk still streaming when its upload is aborted 410 UPLOAD_ABORTED, and keeps nothing of it', async () => {
        const bytes = new Uint8Array(randomBytes(200_000));
        const id = await start(bytes.length);
        let request: ClientRequest | undefined;
        const chunk = rawPut(
          `${base()}/${id}/`,
          { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-199999/200000', 'content-length': '200000' },
          (req) => {
            request = req;
            req.write(Buffer.from(bytes.subarray(0, 50_000)));
          },
        );
        let view = await call('GET', `/${id}/`);
        for (let i = 0; i < 200 && view.body.in_flight?.length === 0; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          view = await call('GET', `/${id}/`);
        }
        expect(view.body.in_flight).toEqual([{ start: 0, end: 199_999 }]);
        expect((await call('DELETE', `/${id}/`)).status).toBe(200);
        request?.end(Buffer.from(bytes.subarray(50_000)));
        const outcome = await chunk;

        expect(outcome).not.toBe('reset');
        if (outcome === 'reset') return;
        expect(outcome.status, outcome.text).toBe(410);
        expect(outcome.body).toMatchObject({ status: false, error: 'UPLOAD_ABORTED' });
        const later = await call('GET', `/${id}/`);
        expect(later.status).toBe(410);
        expect(later.body.error).toBe('UPLOAD_ABORTED');
      });
    });

    describe('identity and ownership', () => {
      it('lets no other identity read, write, finalize, list or abort an upload', async () => {
        const bytes = new Uint8Array(randomBytes(2000));
        const id = await start(bytes.length, {}, 'alice');
        await put(id, bytes, 0, 999, 'alice');
        for (const intruder of ['bob', undefined]) {
          const attempts = [
            await call('GET', `/${id}/`, { user: intruder }),
            await put(id, bytes, 1000, 1999, intruder),
            await call('POST', `/${id}/`, { body: {}, user: intruder }),
            await call('DELETE', `/${id}/`, { user: intruder }),
          ];
          for (const attempt of attempts) {
            expect(attempt.status).toBe(404);
            expect(attempt.body).toMatchObject({ status: false, error: 'UPLOAD_NOT_FOUND' });
          }
          const listed = await call('GET', '/', { user: intruder });
          expect(listed.status).toBe(200);
          expect(listed.body.uploads.map((upload: { upload_id: string }) => upload.upload_id)).not.toContain(id);
        }
        const view = await call('GET', `/${id}/`, { user: 'alice' });
        expect(view.body).toMatchObject({ status: 'in_progress', received: [{ start: 0, end: 999 }] });
        const mine = await call('GET', '/', { user: 'alice' });
        expect(mine.body.uploads.map((upload: { upload_id: string }) => upload.upload_id)).toContain(id);
      });

      it('never lists anonymous uploads, which stay reachable through their id', async () => {
        const id = await start(10);
        const listed = await call('GET', '/');
        expect(listed.body).toMatchObject({ status: true, uploads: [] });
        expect((await call('GET', `/${id}/`, { user: 'carol' })).status).toBe(200);
      });

      it('pages through a caller\'s uploads, newest first', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i += 1) {
          clock += 1000;
          ids.push(await start(10, {}, 'dave'));
        }
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
          const page = await call('GET', `/${query}`, { user: 'dave' });
          expect(page.status).toBe(200);
          expect(page.body.uploads.length).toBeLessThanOrEqual(2);
          seen.push(...page.body.uploads.map((upload: { upload_id: string }) => upload.upload_id));
          cursor = page.body.next_cursor;
        } while (cursor);
        expect(seen).toEqual([...ids].reverse());
      });
    });

    describe('hostile input', () => {
      it('stores every path-traversal filename inside the storage, never where the name points', async () => {
        const names = ['../escape.txt', '../../etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini', '..\\..\\x', 'a/../../b', 'nul\u0000byte', 'CON', '.hidden', '\u202Eexe.txt', 'x'.repeat(1000), '\u2215etc\u2215passwd', '．．／x'];
        for (const filename of names) {
          const created = await call('POST', '/', { body: { filename, total_size: 3 } });
          if (filename.includes('\u0000')) {
            expect(created.status).toBe(400);
            expect(created.body.error).toBe('INVALID_FILENAME');
            continue;
          }
          expect(created.status, filename).toBe(201);
          const id = created.body.upload_id as string;
          await put(id, new Uint8Array([1, 2, 3]), 0, 2);
          expect((await call('POST', `/${id}/`, { body: {} })).status).toBe(201);
          const location = (eventsFor(id, 'upload:completed')[0]?.payload as { location: string }).location;
          expect(target.isInsideStorage(location), `${filename} -> ${location}`).toBe(true);
          expect([...(await target.readAssembled(location))]).toEqual([1, 2, 3]);
          expect((await call('GET', `/${id}/`)).body.filename).toBe(filename);
        }
      });

      it('answers malformed start requests with 400 and creates nothing', async () => {
        const cases: Array<[unknown, string]> = [
          [{ total_size: 10 }, 'INVALID_FILENAME'],
          [{ filename: 'a' }, 'INVALID_SIZE'],
          [{ filename: 'a', total_size: -1 }, 'INVALID_SIZE'],
          [{ filename: 'a', total_size: 1.5 }, 'INVALID_SIZE'],
          [{ filename: 'a', total_size: '10' }, 'INVALID_SIZE'],
          [{ filename: 'a', total_size: 2 ** 60 }, 'INVALID_SIZE'],
          [{ filename: 'a', total_size: 10, checksum_algo: 'rot13' }, 'UNSUPPORTED_CHECKSUM'],
          [{ filename: 'a', total_size: 10, metadata: [1] }, 'INVALID_REQUEST'],
          [[1, 2], 'INVALID_REQUEST'],
        ];
        const before = events.filter((event) => event.type === 'upload:started').length;
        for (const [body, code] of cases) {
          const response = await call('POST', '/', { body });
          expect(response.status, JSON.stringify(body)).toBe(400);
          expect(response.body).toMatchObject({ status: false, error: code });
        }
        const tooBig = await call('POST', '/', { body: { filename: 'a', total_size: 257 * MiB } });
        expect(tooBig.status).toBe(413);
        expect(tooBig.body.error).toBe('UPLOAD_TOO_LARGE');
        const broken = await send(`${base()}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"filename": ' });
        expect(broken.status).toBe(400);
        const huge = await call('POST', '/', { body: { filename: 'a', total_size: 1, metadata: { pad: 'x'.repeat(20_000) } } });
        expect(huge.status).toBe(413);
        expect(huge.body.error).toBe('BODY_TOO_LARGE');
        expect(events.filter((event) => event.type === 'upload:started').length).toBe(before);
      });

      it('answers unknown ids, malformed ids and unknown routes without revealing internals', async () => {
        const unknown = await call('GET', '/00000000-0000-4000-8000-000000000000/');
        expect(unknown.status).toBe(404);
        expect(unknown.body).toEqual({ status: false, error: 'UPLOAD_NOT_FOUND', message: 'No such upload' });
        expect((await call('GET', '/not%20an%20id/')).status).toBe(400);
        expect((await call('GET', '/a/b/')).status).toBe(404);
        expect((await call('PATCH', '/')).status).toBe(405);
        for (const response of [unknown]) {
          expect(JSON.stringify(response.body)).not.toMatch(/at \w+ \(|\/work\/|node_modules|SELECT|Error:/);
        }
      });
    });

    describeCorsIdentity(context);

    const hostile = describeHostileInput(context);

    it('never answered with a stack trace, SQL, a file path or a secret', () => {
      expect(log.size).toBeGreaterThan(100);
      expect(log.leaks(target.secrets)).toEqual([]);
      console.log(`[conformance] ${name}: ${hostile.tried()} hostile inputs refused with no state change; ${log.size} responses scanned for leaks`);
    });
  });
}

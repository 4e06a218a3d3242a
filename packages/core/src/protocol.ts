import { readSmallBody } from './body.js';
import { parseContentRange } from './content-range.js';
import { corsHeaders, preflightHeaders, type CorsOptions } from './cors.js';
import { parseChunkDigest } from './digest.js';
import { FragoError, isFragoError, SERVER_FAILURES, type FragoErrorCode } from './errors.js';
import type { IdentifyCaller, Identity } from './identity.js';
import { multipartFile } from './multipart.js';
import { assertTransferCoding } from './transfer-coding.js';
import type { UploadService } from './service.js';
import { uploadStatusView, uploadSummary } from './views.js';

/** A request as any adapter can build it: no framework types, the body as bytes. */
export interface FragoRequest {
  readonly method: string;
  /** The path, optionally with its query string. */
  readonly path: string;
  /** Header values by lowercase name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body; Node's `IncomingMessage` and web `ReadableStream`s both qualify. */
  readonly body: AsyncIterable<Uint8Array> | null;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
  /** Who is calling, as the adapter resolved it. */
  readonly identity?: Identity;
  /**
   * Resolves who is calling, when `identity` is absent. Called once, after a CORS
   * preflight is answered (preflights carry no credentials); what it throws (e.g.
   * `UNAUTHENTICATED`) becomes the response, with its CORS headers. With neither, or
   * when it returns `null`, the request is refused with `401 UNAUTHENTICATED`.
   */
  readonly identify?: IdentifyCaller;
}

/** A response for any adapter to write: a status, headers and a JSON body. */
export interface FragoResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /**
   * When the server failed (`INTERNAL_ERROR`, `STORAGE_FAILED`, `REPOSITORY_FAILED`),
   * the failure behind it, with its cause and stack, for logs and the `error` event.
   * Edges never send it: the body alone is the answer.
   */
  readonly error?: unknown;
}

/** Options of the frago HTTP protocol. */
export interface ProtocolOptions {
  /** Where the API is mounted. Default `/upload`. */
  readonly basePath?: string;
  /** Cross-origin access for browser clients; off by default. See {@link CorsOptions}. */
  readonly cors?: CorsOptions;
}

/** The frago HTTP protocol: from a {@link FragoRequest} to a {@link FragoResponse}. */
export type FragoHandler = ((request: FragoRequest) => Promise<FragoResponse>) & {
  /** True when `path` belongs to this API, so an adapter can pass other requests on. */
  readonly owns: (path: string) => boolean;
  /** Where the API is mounted, normalized: a leading slash and no trailing one (`/upload`), for adapters that declare routes. */
  readonly basePath: string;
};

const ID = /^[A-Za-z0-9_-]{1,128}$/;

function json(status: number, body: unknown, headers: Record<string, string> = {}): FragoResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body };
}

/** The response for any error: a typed code and a message meant for the caller, never a stack. */
export function errorResponse(error: unknown): FragoResponse {
  const known = isFragoError(error) && error.code !== 'INTERNAL_ERROR';
  const code: FragoErrorCode = known ? error.code : 'INTERNAL_ERROR';
  const message = known ? error.message : 'Something went wrong on the server';
  const status = known ? error.statusCode : 500;
  const details = known ? error.details : undefined;
  const response = json(status, { status: false, error: code, message, ...details });
  return SERVER_FAILURES.has(code) ? { ...response, error } : response;
}

function withHeaders(response: FragoResponse, headers: Record<string, string> | null): FragoResponse {
  return headers === null ? response : { ...response, headers: { ...response.headers, ...headers } };
}

// JSON.parse takes any depth, but JSON.stringify (a database column, the status view)
// overflows the stack at a few thousand levels, which fit in a small body.
const MAX_JSON_DEPTH = 32;

/** True when `value` has objects or arrays nested more than `max` levels deep. Iterative, so any depth is safe. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [current, depth] = item;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

function mediaType(headers: FragoRequest['headers']): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

async function readFields(request: FragoRequest, limit: number): Promise<Record<string, unknown>> {
  const type = mediaType(request.headers);
  const text = await readSmallBody(request.body, limit);
  if (text.trim() === '') return {};
  const looksJson = /^\s*[{[]/.test(text);
  if (type === 'application/json' || type.endsWith('+json') || looksJson || type === '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new FragoError('INVALID_REQUEST', 'The body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new FragoError('INVALID_REQUEST', 'The body must be a JSON object');
    }
    if (nestedDeeperThan(parsed, MAX_JSON_DEPTH)) {
      throw new FragoError('INVALID_REQUEST', `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    return parsed as Record<string, unknown>;
  }
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
    if (typeof fields.total_size === 'string' && /^\d{1,16}$/.test(fields.total_size)) {
      fields.total_size = Number(fields.total_size);
    }
    return fields;
  }
  throw new FragoError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON (application/json)');
}

function chunkBody(request: FragoRequest): AsyncIterable<Uint8Array> {
  const type = mediaType(request.headers);
  const body = request.body ?? (async function* () {})();
  if (type === '' || type === 'application/octet-stream') return body;
  if (type === 'multipart/form-data') return multipartFile(body, request.headers['content-type'] ?? '');
  throw new FragoError('UNSUPPORTED_MEDIA_TYPE', 'Send chunks as application/octet-stream or multipart/form-data');
}

/**
 * Builds the frago HTTP API over an {@link UploadService}: `POST /upload/` start,
 * `GET /upload/` list, `PUT /upload/:id/` chunk, `POST /upload/:id/` finalize,
 * `GET /upload/:id/` status, `DELETE /upload/:id/` abort, and CORS when
 * `options.cors` is set. Never throws: every failure becomes an error response.
 */
export function createHttpHandler(service: UploadService, options: ProtocolOptions = {}): FragoHandler {
  const base = `/${(options.basePath ?? '/upload').replace(/^\/+|\/+$/g, '')}`;
  const limit = service.limits.maxJsonBytes;

  const owns = (path: string): boolean => {
    const pathname = path.split('?')[0] ?? '';
    return pathname === base || pathname.startsWith(`${base}/`);
  };

  async function route(request: FragoRequest, identity: Identity): Promise<FragoResponse> {
    const [pathname = '', search = ''] = request.path.split('?', 2);
    const rest = pathname.slice(base.length).replace(/^\/+|\/+$/g, '');
    const method = request.method.toUpperCase();

    if (rest === '') {
      if (method === 'POST') {
        const fields = await readFields(request, limit);
        const upload = await service.create(identity, {
          filename: fields.filename,
          totalSize: fields.total_size,
          checksum: fields.checksum,
          checksumAlgorithm: fields.checksum_algo,
          metadata: fields.metadata,
        });
        return json(
          201,
          {
            status: true,
            message: `Upload started for ${upload.filename}`,
            upload_id: upload.id,
            expires_at: upload.expiresAt.toISOString(),
            chunk_size: service.chunkSizeFor(upload.totalSize),
            max_chunk_size: service.limits.maxChunkSize,
            checksum_algo: upload.checksumAlgorithm,
          },
          { location: `${base}/${upload.id}/` },
        );
      }
      if (method === 'GET') {
        const query = new URLSearchParams(search);
        const page = await service.list(identity, {
          limit: Number(query.get('limit') ?? 50) || 50,
          cursor: query.get('cursor'),
        });
        return json(200, { status: true, uploads: page.uploads.map(uploadSummary), next_cursor: page.nextCursor });
      }
      throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
    }

    if (rest.includes('/')) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
    if (!ID.test(rest)) throw new FragoError('INVALID_UPLOAD_ID', 'The upload id is malformed');
    const id = rest;
    switch (method) {
      case 'PUT': {
        const range = parseContentRange(request.headers['content-range']);
        const declared = request.headers['content-length'];
        if (declared !== undefined && mediaType(request.headers) !== 'multipart/form-data') {
          if (Number(declared) !== range.end - range.start + 1) {
            throw new FragoError('BODY_LENGTH_MISMATCH', 'Content-Length must equal the size of the Content-Range');
          }
        }
        const digest = parseChunkDigest(request.headers['content-digest'], request.headers['content-md5']);
        const result = await service.writeChunk(identity, id, {
          range,
          body: chunkBody(request),
          digest,
          signal: request.signal,
        });
        return json(200, {
          status: true,
          message: result.duplicate ? 'Chunk already received' : 'Chunk uploaded',
          upload_id: id,
          start: result.range.start,
          end: result.range.end,
          size: result.range.end - result.range.start + 1,
          duplicate: result.duplicate,
        });
      }
      case 'POST': {
        const fields = await readFields(request, limit);
        const { upload, alreadyComplete, algorithm } = await service.finalize(identity, id, {
          checksum: fields.checksum,
          checksumAlgorithm: fields.checksum_algo,
        });
        return json(alreadyComplete ? 200 : 201, {
          status: true,
          message: `Upload completed for ${upload.filename}`,
          upload_id: upload.id,
          checksum: upload.checksum,
          checksum_algo: algorithm,
          total_size: upload.totalSize,
          completed_at: upload.completedAt?.toISOString() ?? null,
          already_complete: alreadyComplete,
        });
      }
      case 'GET':
        return json(200, uploadStatusView(await service.status(identity, id)));
      case 'DELETE': {
        const upload = await service.abort(identity, id);
        return json(200, { status: true, message: `Upload aborted for ${upload.filename}`, upload_id: upload.id });
      }
      default:
        throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
    }
  }

  const handle = async (request: FragoRequest): Promise<FragoResponse> => {
    let cors: Record<string, string> | null = null;
    try {
      if (!owns(request.path)) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
      const origin = request.headers.origin;
      if (options.cors !== undefined && origin !== undefined) {
        if (request.method.toUpperCase() === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
          return json(200, { status: true }, await preflightHeaders(options.cors, origin));
        }
        cors = await corsHeaders(options.cors, origin);
      }
      assertTransferCoding(request.headers['transfer-encoding']);
      const identity = request.identity ?? (await request.identify?.()) ?? null;
      if (identity === null) throw new FragoError('UNAUTHENTICATED', 'Sign in to upload: the caller could not be identified');
      return withHeaders(await route(request, identity), cors);
    } catch (error) {
      return withHeaders(errorResponse(error), cors);
    }
  };
  return Object.assign(handle, { owns, basePath: base });
}

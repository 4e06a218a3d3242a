import type { FragoRequest, FragoResponse } from './protocol.js';

/** What a request asks of the API, named independently of its wire form. */
export type FragoOperation = 'create' | 'list' | 'chunk' | 'finalize' | 'status' | 'abort' | 'preflight' | 'other';

/** What frago knows about one request as it runs; logs and instrumentation read it. */
export interface RequestFacts {
  readonly method: string;
  /** The route pattern, e.g. `/upload/:id/`, never the concrete path. */
  readonly route: string;
  readonly operation: FragoOperation;
  /** The upload the request is about, once known (a create learns it from its answer). */
  uploadId: string | null;
  /** The kind of the caller's identity, once resolved (`anonymous`, `user` ...). */
  identityKind: string | null;
  /** Body bytes read so far. */
  bytes: number;
}

/** {@link RequestFacts} of a request that has been answered. */
export interface AnsweredRequest extends Readonly<RequestFacts> {
  readonly status: number;
  readonly durationMs: number;
  /** The failure behind a server failure (`INTERNAL_ERROR`, `STORAGE_FAILED`, `REPOSITORY_FAILED`), for logs only. */
  readonly error?: unknown;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Names a request by its route pattern and operation, from its method and path under `base`. */
export function describeRequest(request: FragoRequest, base: string): RequestFacts {
  const method = request.method.toUpperCase();
  const pathname = request.path.split('?')[0] ?? '';
  const rest = pathname.startsWith(base) ? pathname.slice(base.length).replace(/^\/+|\/+$/g, '') : null;
  const facts = (route: string, operation: FragoOperation, uploadId: string | null = null): RequestFacts => ({
    method,
    route,
    operation,
    uploadId,
    identityKind: request.identity?.kind ?? null,
    bytes: 0,
  });
  if (method === 'OPTIONS') return facts(rest === null ? '*' : `${base}/*`, 'preflight');
  if (rest === '') return facts(`${base}/`, method === 'POST' ? 'create' : method === 'GET' ? 'list' : 'other');
  if (rest === null || rest.includes('/') || !ID.test(rest)) return facts(rest === null ? '*' : `${base}/*`, 'other');
  const byMethod: Record<string, FragoOperation> = { PUT: 'chunk', POST: 'finalize', GET: 'status', DELETE: 'abort' };
  return facts(`${base}/:id/`, byMethod[method] ?? 'other', rest);
}

/**
 * The request as the handler should see it: its body counted into `facts.bytes` and
 * its identity, once resolved, noted in `facts.identityKind`.
 */
export function observedRequest(request: FragoRequest, facts: RequestFacts): FragoRequest {
  const { body, identify } = request;
  return {
    ...request,
    body: body === null ? null : counted(body, facts),
    ...(identify === undefined
      ? {}
      : {
          identify: async () => {
            const identity = await identify();
            facts.identityKind = identity?.kind ?? null;
            return identity;
          },
        }),
  };
}

async function* counted(body: AsyncIterable<Uint8Array>, facts: RequestFacts): AsyncIterable<Uint8Array> {
  for await (const piece of body) {
    facts.bytes += piece.byteLength;
    yield piece;
  }
}

/** The upload id a create call answered with, if any. */
export function createdUploadId(response: FragoResponse): string | null {
  const body = response.body as { upload_id?: unknown } | null;
  return typeof body?.upload_id === 'string' ? body.upload_id : null;
}

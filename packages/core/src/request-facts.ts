import type { FragoRequest } from './protocol.js';

/**
 * What a request asks of the API, named independently of its wire form: a tus `PATCH`
 * is a `chunk` as a frago `PUT` is; `options` is tus's server description, `preflight`
 * a CORS preflight.
 */
export type FragoOperation = 'create' | 'list' | 'chunk' | 'finalize' | 'status' | 'abort' | 'parts' | 'options' | 'preflight' | 'other';

/** Where a request goes, as the protocol serving it routes it. */
export interface RouteFacts {
  /** The protocol serving the request (`frago`, `tus`). */
  readonly protocol: string;
  /** The route pattern, e.g. `/upload/:id/` or `/files/:id`, never the concrete path; `<base>/*` for no route under a base, `*` outside every base. */
  readonly route: string;
  readonly operation: FragoOperation;
  /** The upload the path names, if any. */
  readonly uploadId: string | null;
}

/** What frago knows about one request as it runs; logs and instrumentation read it. */
export interface RequestFacts extends Omit<RouteFacts, 'uploadId'> {
  readonly method: string;
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

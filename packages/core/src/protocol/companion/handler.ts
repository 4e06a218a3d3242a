import type { CorsOptions, CorsWire } from '../../cors.js';
import { FragoError } from '../../errors.js';
import type { FragoHandler, FragoResponse } from '../../protocol.js';
import type { UploadService } from '../../service.js';
import { errorResponse, json } from '../frago/responses.js';
import type { FragoOperation } from '../../request-facts.js';
import type { Locate } from '../route-table.js';
import { normalizeBase, serveProtocol } from '../serve.js';
import { formParams, receiveForm, UPLOAD_ID_HEADER } from './form.js';
import type { CompanionContext } from './context.js';
import { abortMultipart, completeMultipart, createMultipart, listParts, signPart } from './multipart.js';

/** Options of the Companion-style S3 endpoints. */
export interface CompanionOptions {
  /** Where they are mounted. Default `/s3` (Uppy's `companionEndpoint` is then the origin). */
  readonly basePath?: string;
  /**
   * The origin (`https://uploads.example.com`), followed by the path frago is mounted
   * below if any (`https://example.com/api`), of the form URL that `GET /s3/params`
   * hands out for small files. Default: the request's `Host`, with `https` when
   * `X-Forwarded-Proto` says so and `http` otherwise; set it behind a proxy that
   * rewrites either, or when frago is mounted below a path.
   */
  readonly publicOrigin?: string;
}

const COMPANION_CORS_WIRE: CorsWire = { methods: ['GET', 'POST', 'DELETE'], requestHeaders: ['content-type'], exposedHeaders: [UPLOAD_ID_HEADER] };
const ID = /^[A-Za-z0-9_-]{1,128}$/;

type Handler = (context: CompanionContext) => Promise<FragoResponse>;

/** One endpoint: its route pattern below the base, what it does (for logs and metrics) and its handler. */
interface Endpoint {
  readonly pattern: string;
  readonly operation: FragoOperation;
  readonly handler: Handler;
}

const PARAMS: Endpoint = { pattern: '/params', operation: 'other', handler: formParams };
const FORM: Endpoint = { pattern: '/form', operation: 'create', handler: receiveForm };
const CREATE: Endpoint = { pattern: '/multipart', operation: 'create', handler: createMultipart };
const ON_UPLOAD: Readonly<Record<string, Endpoint>> = {
  GET: { pattern: '/multipart/:id', operation: 'status', handler: listParts },
  DELETE: { pattern: '/multipart/:id', operation: 'abort', handler: abortMultipart },
};
const COMPLETE: Endpoint = { pattern: '/multipart/:id/complete', operation: 'finalize', handler: completeMultipart };
const SIGN: Endpoint = { pattern: '/multipart/:id/:part', operation: 'parts', handler: signPart };

/** The endpoint for `method` on `rest` (below the base), with the upload id and part segment it names. */
function route(method: string, rest: string): { endpoint: Endpoint; id: string; part: string } {
  const [collection, id = '', part = '', ...deeper] = rest.split('/');
  if (collection === 'params' && id === '') return { endpoint: only(method, 'GET', PARAMS), id, part };
  if (collection === 'form' && id === '') return { endpoint: only(method, 'POST', FORM), id, part };
  if (collection !== 'multipart' || deeper.length > 0) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
  if (id === '') return { endpoint: only(method, 'POST', CREATE), id, part };
  if (!ID.test(id)) throw new FragoError('INVALID_UPLOAD_ID', 'The upload id is malformed');
  if (part === '') {
    const endpoint = Object.hasOwn(ON_UPLOAD, method) ? ON_UPLOAD[method] : undefined;
    if (endpoint === undefined) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
    return { endpoint, id, part };
  }
  if (part === 'complete') return { endpoint: only(method, 'POST', COMPLETE), id, part };
  return { endpoint: only(method, 'GET', SIGN), id, part };
}

/** Where a request goes, as logs and metrics name it; null where {@link route} finds nothing. */
const locate: Locate = (method, rest) => {
  try {
    const { endpoint, id } = route(method, rest);
    return { pattern: endpoint.pattern, operation: endpoint.operation, uploadId: id === '' ? null : id };
  } catch {
    return null;
  }
};

function only(method: string, allowed: string, endpoint: Endpoint): Endpoint {
  if (method !== allowed) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  return endpoint;
}

/**
 * Builds the Companion-style S3 endpoints that `@uppy/aws-s3` (its `companionEndpoint`
 * mode) calls, over an {@link UploadService}; for multipart uploads, whose parts go
 * straight to the bucket, its storage must take direct uploads:
 * `POST /s3/multipart`, `GET /s3/multipart/:id/:part?key=`, `GET /s3/multipart/:id?key=`,
 * `POST /s3/multipart/:id/complete?key=`, `DELETE /s3/multipart/:id?key=`; and for
 * small files `GET /s3/params`, which hands out a form URL of frago's own,
 * `POST /s3/form?…`, that starts an upload, stores the file and completes it. Each
 * upload is an ordinary upload of the service: its owner, limits, expiry and events.
 * Never throws.
 */
export function createCompanionHandler(service: UploadService, options: CompanionOptions & { readonly cors?: CorsOptions } = {}): FragoHandler {
  const base = normalizeBase(options.basePath ?? '/s3');
  return serveProtocol(base, options.cors, {
    name: 'companion',
    locate,
    cors: COMPANION_CORS_WIRE,
    preflight: (headers) => json(200, {}, headers),
    route: ({ request, identity, rest, search }) => {
      const { endpoint, id, part } = route(request.method.toUpperCase(), rest);
      return endpoint.handler({ service, request, identity, id, part, search, base, publicOrigin: options.publicOrigin });
    },
    error: errorResponse,
    created: (response) => {
      const id = (response.body as { uploadId?: unknown } | undefined)?.uploadId ?? response.headers[UPLOAD_ID_HEADER];
      return typeof id === 'string' && id !== '' ? id : null;
    },
  });
}

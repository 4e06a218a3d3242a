import type { CorsOptions, CorsWire } from '../../cors.js';
import { FragoError } from '../../errors.js';
import type { FragoHandler, FragoResponse } from '../../protocol.js';
import type { UploadService } from '../../service.js';
import { errorResponse, json } from '../frago/responses.js';
import { normalizeBase, serveProtocol } from '../serve.js';
import { abortMultipart, completeMultipart, createMultipart, listParts, postPolicy, signPart, type CompanionContext } from './multipart.js';

/** Options of the Companion-style S3 endpoints. */
export interface CompanionOptions {
  /** Where they are mounted. Default `/s3` (Uppy's `companionEndpoint` is then the origin). */
  readonly basePath?: string;
}

const COMPANION_CORS_WIRE: CorsWire = { methods: ['GET', 'POST', 'DELETE'], requestHeaders: ['content-type'], exposedHeaders: [] };
const ID = /^[A-Za-z0-9_-]{1,128}$/;

type Handler = (context: CompanionContext) => Promise<FragoResponse>;

/** The handler for `method` on `rest` (below the base), with the upload id and part segment it names. */
function route(method: string, rest: string): { handler: Handler; id: string; part: string } {
  const [collection, id = '', part = '', ...deeper] = rest.split('/');
  if (collection === 'params' && id === '') return { handler: only(method, 'GET', postPolicy), id, part };
  if (collection !== 'multipart' || deeper.length > 0) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
  if (id === '') return { handler: only(method, 'POST', createMultipart), id, part };
  if (!ID.test(id)) throw new FragoError('INVALID_UPLOAD_ID', 'The upload id is malformed');
  if (part === '') {
    const handlers: Record<string, Handler> = { GET: listParts, DELETE: abortMultipart };
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (handler === undefined) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
    return { handler, id, part };
  }
  if (part === 'complete') return { handler: only(method, 'POST', completeMultipart), id, part };
  return { handler: only(method, 'GET', signPart), id, part };
}

function only(method: string, allowed: string, handler: Handler): Handler {
  if (method !== allowed) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  return handler;
}

/**
 * Builds the Companion-style S3 endpoints that `@uppy/aws-s3` (its `companionEndpoint`
 * mode) calls, over an {@link UploadService} whose storage takes direct uploads:
 * `POST /s3/multipart`, `GET /s3/multipart/:id/:part?key=`, `GET /s3/multipart/:id?key=`,
 * `POST /s3/multipart/:id/complete?key=`, `DELETE /s3/multipart/:id?key=`, and
 * `GET /s3/params`, which is refused (no POST policies). Each upload is an ordinary
 * direct upload of the service: its owner, limits, expiry and events. Never throws.
 */
export function createCompanionHandler(service: UploadService, options: CompanionOptions & { readonly cors?: CorsOptions } = {}): FragoHandler {
  const base = normalizeBase(options.basePath ?? '/s3');
  return serveProtocol(base, options.cors, {
    cors: COMPANION_CORS_WIRE,
    preflight: (headers) => json(200, {}, headers),
    route: ({ request, identity, rest, search }) => {
      const { handler, id, part } = route(request.method.toUpperCase(), rest);
      return handler({ service, request, identity, id, part, search });
    },
    error: errorResponse,
  });
}

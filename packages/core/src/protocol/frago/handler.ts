import { FRAGO_CORS_WIRE } from '../../cors.js';
import type { FragoHandler, ProtocolOptions } from '../../protocol.js';
import type { UploadService } from '../../service.js';
import { routeIn, tableLocator } from '../route-table.js';
import { normalizeBase, serveProtocol } from '../serve.js';
import { errorResponse, json } from './responses.js';
import { FRAGO_ROUTES } from './routes.js';

/**
 * Builds the frago HTTP API over an {@link UploadService}: `POST /upload/` start,
 * `GET /upload/` list, `PUT /upload/:id/` chunk, `POST /upload/:id/` finalize,
 * `GET /upload/:id/` status, `DELETE /upload/:id/` abort, and CORS when
 * `options.cors` is set. Never throws: every failure becomes an error response.
 */
export function createHttpHandler(service: UploadService, options: ProtocolOptions = {}): FragoHandler {
  const base = normalizeBase(options.basePath ?? '/upload');
  return serveProtocol(base, options.cors, {
    name: 'frago',
    locate: tableLocator(FRAGO_ROUTES, { collection: '/', upload: '/:id/', parts: '/:id/parts' }),
    cors: FRAGO_CORS_WIRE,
    preflight: (headers) => json(200, { status: true }, headers),
    route: ({ request, identity, rest, search }) => {
      const { handler, id } = routeIn(FRAGO_ROUTES, request.method.toUpperCase(), rest);
      return handler({ service, base, request, identity, id, search });
    },
    error: errorResponse,
    created: (response) => {
      const body = response.body as { upload_id?: unknown } | null;
      return typeof body?.upload_id === 'string' ? body.upload_id : null;
    },
  });
}

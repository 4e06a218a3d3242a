import { corsHeaders, preflightHeaders } from '../../cors.js';
import { FragoError } from '../../errors.js';
import type { FragoHandler, FragoRequest, FragoResponse, ProtocolOptions } from '../../protocol.js';
import type { UploadService } from '../../service.js';
import { assertTransferCoding } from '../../transfer-coding.js';
import { errorResponse, json, withHeaders } from './responses.js';
import { routeOf } from './routes.js';

/**
 * Builds the frago HTTP API over an {@link UploadService}: `POST /upload/` start,
 * `GET /upload/` list, `PUT /upload/:id/` chunk, `POST /upload/:id/` finalize,
 * `GET /upload/:id/` status, `DELETE /upload/:id/` abort, and CORS when
 * `options.cors` is set. Never throws: every failure becomes an error response.
 */
export function createHttpHandler(service: UploadService, options: ProtocolOptions = {}): FragoHandler {
  const base = `/${(options.basePath ?? '/upload').replace(/^\/+|\/+$/g, '')}`;

  const owns = (path: string): boolean => {
    const pathname = path.split('?')[0] ?? '';
    return pathname === base || pathname.startsWith(`${base}/`);
  };

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
      const [pathname = '', search = ''] = request.path.split('?', 2);
      const rest = pathname.slice(base.length).replace(/^\/+|\/+$/g, '');
      const { handler, id } = routeOf(request.method.toUpperCase(), rest);
      return withHeaders(await handler({ service, base, request, identity, id, search }), cors);
    } catch (error) {
      return withHeaders(errorResponse(error), cors);
    }
  };
  return Object.assign(handle, { owns, basePath: base });
}

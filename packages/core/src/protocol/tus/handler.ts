import type { CorsOptions } from '../../cors.js';
import type { FragoHandler, FragoResponse } from '../../protocol.js';
import type { UploadService } from '../../service.js';
import { routeIn, tableLocator } from '../route-table.js';
import { normalizeBase, serveProtocol } from '../serve.js';
import { assertVersion, methodOf } from './headers.js';
import { tusErrorResponse, tusResponse } from './responses.js';
import { TUS_ROUTES } from './routes.js';
import { TUS_CORS_WIRE } from './wire.js';

/** Options of the tus protocol. */
export interface TusOptions {
  /** Where tus is mounted. Default `/files`. */
  readonly basePath?: string;
}

/** A HEAD answer never carries a body, an error's included. */
const bodiless = (response: FragoResponse): FragoResponse => ({ ...response, body: undefined });

/**
 * Builds tus 1.0.0 over an {@link UploadService}, with the creation,
 * creation-with-upload, creation-defer-length, termination, checksum, expiration and
 * concatenation extensions: `OPTIONS`,
 * `POST /files/`, `HEAD`, `PATCH` and `DELETE /files/:id`. A tus upload is an ordinary
 * upload of the service (its status, checksum, events and expiry). Never throws.
 */
export function createTusHandler(service: UploadService, options: TusOptions & { readonly cors?: CorsOptions } = {}): FragoHandler {
  const base = normalizeBase(options.basePath ?? '/files');
  return serveProtocol(base, options.cors, {
    name: 'tus',
    locate: tableLocator(TUS_ROUTES, { collection: '/', upload: '/:id' }),
    method: methodOf,
    cors: TUS_CORS_WIRE,
    preflight: (headers) => tusResponse(204, headers),
    route: async ({ request, identity, rest }) => {
      const method = methodOf(request);
      try {
        if (method !== 'OPTIONS') assertVersion(request.headers);
        const { handler, id } = routeIn(TUS_ROUTES, method, rest);
        return await handler({ service, base, request, identity, id });
      } catch (error) {
        if (method === 'HEAD') return bodiless(tusErrorResponse(error));
        throw error;
      }
    },
    error: tusErrorResponse,
    created: (response) => response.headers.location?.split('/').pop() ?? null,
  });
}

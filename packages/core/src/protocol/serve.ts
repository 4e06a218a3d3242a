import { corsHeaders, preflightHeaders, type CorsOptions, type CorsWire } from '../cors.js';
import { FragoError } from '../errors.js';
import type { Identity } from '../identity.js';
import type { FragoHandler, FragoRequest, FragoResponse, ProtocolAnswers } from '../protocol.js';
import type { RouteFacts } from '../request-facts.js';
import { assertTransferCoding } from '../transfer-coding.js';
import type { Locate } from './route-table.js';

// What every protocol does around its routes, so each serves CORS, refuses unknown
// transfer codings and resolves its caller the same way.

/** A request for one protocol's routes, once its caller is known. */
export interface RoutedRequest {
  readonly request: FragoRequest;
  readonly identity: Identity;
  /** The path below the base, without slashes around it (`''` on the base itself). */
  readonly rest: string;
  /** The query string, without its `?`. */
  readonly search: string;
}

/** One protocol's wire: its routes, its CORS lists and how it words answers. */
export interface ProtocolWire extends ProtocolAnswers {
  /** The protocol's name in logs and metrics (`frago`, `tus`). */
  readonly name: string;
  /** Where a request goes in the routes `route` serves, read to describe it (see {@link tableLocator}). */
  readonly locate: Locate;
  /** The method `request` asks for, when the protocol reads it from elsewhere than the request line. */
  readonly method?: (request: FragoRequest) => string;
  readonly cors: CorsWire;
  /** The answer to a CORS preflight from an allowed origin, with `headers` added. */
  preflight(headers: Record<string, string>): FragoResponse;
  route(routed: RoutedRequest): Promise<FragoResponse>;
}

/** `path` with a leading slash and no trailing one (`/upload`). */
export function normalizeBase(path: string): string {
  return `/${path.replace(/^\/+|\/+$/g, '')}`;
}

/** Whether `request` is a CORS preflight this protocol answers before routing it. */
function isPreflight(request: FragoRequest, cors: CorsOptions | undefined): boolean {
  return (
    cors !== undefined &&
    request.headers.origin !== undefined &&
    request.method.toUpperCase() === 'OPTIONS' &&
    request.headers['access-control-request-method'] !== undefined
  );
}

/** Where `request` goes in `wire`'s routes at `base`, named as logs and metrics show it. */
function describeIn(base: string, cors: CorsOptions | undefined, wire: ProtocolWire, request: FragoRequest, owned: boolean): RouteFacts {
  const protocol = wire.name;
  if (!owned) return { protocol, route: '*', operation: 'other', uploadId: null };
  const pathname = request.path.split('?', 1)[0] ?? '';
  const rest = pathname.slice(base.length).replace(/^\/+|\/+$/g, '');
  const preflight = isPreflight(request, cors);
  const found = wire.locate(wire.method?.(request) ?? request.method.toUpperCase(), rest);
  if (found === null) return { protocol, route: `${base}/*`, operation: preflight ? 'preflight' : 'other', uploadId: null };
  return { protocol, route: `${base}${found.pattern}`, operation: preflight ? 'preflight' : found.operation, uploadId: found.uploadId };
}

function withHeaders(response: FragoResponse, headers: Record<string, string> | null): FragoResponse {
  return headers === null ? response : { ...response, headers: { ...response.headers, ...headers } };
}

/**
 * Serves `wire` at `base`: requests outside it answer `ROUTE_NOT_FOUND`, a CORS
 * preflight is answered before the caller is resolved, and every failure becomes the
 * protocol's error response (with its CORS headers). Never throws.
 */
export function serveProtocol(base: string, cors: CorsOptions | undefined, wire: ProtocolWire): FragoHandler {
  const owns = (path: string): boolean => {
    const pathname = path.split('?')[0] ?? '';
    return pathname === base || pathname.startsWith(`${base}/`);
  };

  const handle = async (request: FragoRequest): Promise<FragoResponse> => {
    let allowed: Record<string, string> | null = null;
    try {
      if (!owns(request.path)) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
      const origin = request.headers.origin;
      if (cors !== undefined && origin !== undefined) {
        if (isPreflight(request, cors)) return wire.preflight(await preflightHeaders(cors, origin, wire.cors));
        allowed = await corsHeaders(cors, origin, wire.cors);
      }
      assertTransferCoding(request.headers['transfer-encoding']);
      const identity = request.identity ?? (await request.identify?.()) ?? null;
      if (identity === null) throw new FragoError('UNAUTHENTICATED', 'Sign in to upload: the caller could not be identified');
      const [pathname = '', search = ''] = request.path.split('?', 2);
      const rest = pathname.slice(base.length).replace(/^\/+|\/+$/g, '');
      return withHeaders(await wire.route({ request, identity, rest, search }), allowed);
    } catch (error) {
      return withHeaders(wire.error(error), allowed);
    }
  };
  const answers: ProtocolAnswers = { error: wire.error, created: wire.created };
  const describe = (request: FragoRequest) => ({ route: describeIn(base, cors, wire, request, owns(request.path)), answers });
  return Object.assign(handle, { owns, basePath: base, mounts: [base], describe });
}

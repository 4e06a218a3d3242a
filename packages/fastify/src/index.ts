import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponse, FragoError, identityOf, type Frago, type FragoResponse } from '@frago/core';
import { sendFragoResponse, toFragoRequest, type IdentityResolver } from '@frago/core/node';

/** Options of {@link fragoFastify}, besides Fastify's own `prefix`. */
export interface FragoFastifyOptions {
  /** The frago to serve, at its base path (default `/upload`) under the register prefix. */
  readonly frago: Frago;
  /**
   * Who is calling, resolved only when a request needs a caller (a CORS preflight is
   * answered without it). Default: the user an authentication hook put on
   * `request.user` (by its `id`); a request without one is refused with 401. Return
   * `ANONYMOUS` to accept uploads from anyone.
   */
  readonly identify?: IdentityResolver<FastifyRequest>;
}

const signedInUser: IdentityResolver<FastifyRequest> = (request) =>
  identityOf('user', (request as { user?: unknown }).user);

/** Writes through the one Node response writer; frago's paths are relative to the register prefix. */
function send(request: FastifyRequest, reply: FastifyReply, response: FragoResponse, prefix: string): void {
  const location = response.headers.location;
  const headers = location?.startsWith('/') ? { ...response.headers, location: `${prefix}${location}` } : response.headers;
  reply.hijack();
  sendFragoResponse(request.raw, reply.raw, { ...response, headers });
}

/**
 * Fastify plugin serving the frago API at the frago's base path under the register
 * `prefix`. Every body reaches frago untouched as a stream (a pass-through content-type
 * parser, scoped to this plugin), so chunks flow from the socket to the storage and
 * frago alone decides what it accepts (415 otherwise), exactly as under any adapter.
 *
 * @example
 * ```ts
 * await app.register(fragoFastify, { frago, prefix: '/api', identify: (request) => identityOf('user', request.user) });
 * ```
 */
export const fragoFastify: FastifyPluginAsync<FragoFastifyOptions> = async (fastify, options) => {
  const { frago, identify = signedInUser } = options;
  const prefix = fastify.prefix;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // Fastify refuses an unparseable Content-Type itself; answer it in frago's words.
  fastify.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    if (error.statusCode !== 415) throw error;
    send(request, reply, errorResponse(new FragoError('UNSUPPORTED_MEDIA_TYPE', 'The Content-Type is malformed')), prefix);
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.slice(prefix.length);
    const response = await frago.handle(toFragoRequest(request.raw, reply.raw, () => identify(request), path));
    send(request, reply, response, prefix);
  };
  for (const base of frago.handle.mounts) {
    fastify.all(base, handler);
    fastify.all(`${base}/*`, handler);
  }
};

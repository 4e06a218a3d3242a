import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponse, FragoError, identityOf, type Frago, type FragoResponse } from '@frago/core';
import { toFragoRequest, type IdentityResolver } from '@frago/core/node';

/** Options of {@link fragoFastify}, besides Fastify's own `prefix`. */
export interface FragoFastifyOptions {
  /** The frago to serve, at its base path (default `/upload`) under the register prefix. */
  readonly frago: Frago;
  /**
   * Who is calling. Default: the user an authentication hook put on `request.user`
   * (by its `id`), or anonymous when there is none.
   */
  readonly identify?: IdentityResolver<FastifyRequest>;
}

const userOrAnonymous: IdentityResolver<FastifyRequest> = (request) =>
  identityOf('user', (request as { user?: unknown }).user);

function send(request: FastifyRequest, reply: FastifyReply, response: FragoResponse, prefix: string): FastifyReply {
  const location = response.headers.location;
  reply.code(response.status).headers(response.headers);
  if (location?.startsWith('/')) reply.header('location', `${prefix}${location}`);
  // A chunk refused before its bytes were read: close rather than read a body nobody wants.
  if (!request.raw.complete) reply.header('connection', 'close');
  return reply.send(JSON.stringify(response.body));
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
  const { frago, identify = userOrAnonymous } = options;
  const prefix = fastify.prefix;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // Fastify refuses an unparseable Content-Type itself; answer it in frago's words.
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.statusCode !== 415) throw error;
    return send(request, reply, errorResponse(new FragoError('UNSUPPORTED_MEDIA_TYPE', 'The Content-Type is malformed')), prefix);
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.slice(prefix.length);
    let response: FragoResponse;
    try {
      response = await frago.handle(toFragoRequest(request.raw, reply.raw, await identify(request), path));
    } catch (error) {
      response = errorResponse(error);
    }
    return send(request, reply, response, prefix);
  };
  fastify.all(frago.handle.basePath, handler);
  fastify.all(`${frago.handle.basePath}/*`, handler);
};

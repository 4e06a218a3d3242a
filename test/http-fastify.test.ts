import { createServer } from 'node:http';
import Fastify from 'fastify';
import { testIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { fragoFastify } from '@frago/fastify';
import { describeAdapterMatrix } from './support/http-matrix.js';

describeAdapterMatrix('Fastify', async (frago) => {
  const app = Fastify({ serverFactory: (handler) => createServer(handler) });
  await app.register(fragoFastify, { frago, identify: (request) => testIdentity(request.headers[TEST_USER_HEADER], request.headers.origin) });
  await app.ready();
  return app.server;
});

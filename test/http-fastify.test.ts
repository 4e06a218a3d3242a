import { createServer } from 'node:http';
import Fastify from 'fastify';
import { testNodeIdentity } from '@frago/conformance';
import { fragoFastify } from '@frago/fastify';
import { describeAdapterMatrix } from './support/http-matrix.js';

describeAdapterMatrix('Fastify', async (frago) => {
  const app = Fastify({ serverFactory: (handler) => createServer(handler) });
  await app.register(fragoFastify, { frago, identify: testNodeIdentity });
  await app.ready();
  return app.server;
});
